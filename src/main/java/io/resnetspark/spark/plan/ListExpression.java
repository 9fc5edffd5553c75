package io.resnetspark.spark.plan;

import java.util.List;
import org.apache.spark.sql.catalyst.expressions.Expression;

/**
 * An expression written in Java whose children are a Java list: Catalyst's tree plumbing in terms
 * of {@link #arguments()} and {@link #withArguments}.
 */
public abstract class ListExpression extends JavaExpression {

    private static final long serialVersionUID = 1L;

    private transient scala.collection.immutable.Seq<Expression> children;

    public abstract List<Expression> arguments();

    /** This expression over other arguments, everything else the same. */
    public abstract Expression withArguments(List<Expression> newArguments);

    @Override
    public scala.collection.immutable.Seq<Expression> children() {
        if (children == null) {
            children = ScalaInterop.seq(arguments());
        }
        return children;
    }

    @Override
    protected Expression withNewChildrenList(List<Expression> newChildren) {
        return withArguments(newChildren);
    }
}
