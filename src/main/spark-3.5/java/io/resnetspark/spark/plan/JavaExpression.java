package io.resnetspark.spark.plan;

import java.util.List;
import org.apache.spark.sql.catalyst.expressions.Expression;

/**
 * An expression written in Java: Catalyst's {@code withNewChildrenInternal} in terms of a Java list.
 * Spark 3.5 (Scala 2.12) edition: the children come as a {@code scala.collection.IndexedSeq}.
 */
public abstract class JavaExpression extends Expression {

    private static final long serialVersionUID = 1L;

    /** This node over {@code newChildren}, everything else the same. */
    protected abstract Expression withNewChildrenList(List<Expression> newChildren);

    @Override
    public Expression withNewChildrenInternal(scala.collection.IndexedSeq<Expression> newChildren) {
        return withNewChildrenList(ScalaInterop.list(newChildren));
    }
}
