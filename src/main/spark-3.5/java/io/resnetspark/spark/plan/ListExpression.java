package io.resnetspark.spark.plan;

import java.util.List;
import org.apache.spark.sql.catalyst.expressions.Expression;

/**
 * An expression written in Java whose children are a Java list: Catalyst's tree plumbing ({@code
 * children}, {@code withNewChildrenInternal}) in terms of {@link #arguments()} and {@link
 * #withArguments}. Spark 3.5 (Scala 2.12) edition.
 */
public abstract class ListExpression extends Expression {

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
    public Expression withNewChildrenInternal(scala.collection.IndexedSeq<Expression> newChildren) {
        return withArguments(ScalaInterop.list(newChildren));
    }
}
