package io.resnetspark.spark.plan;

import java.util.List;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;

/**
 * A logical plan node written in Java: Catalyst's {@code withNewChildrenInternal} in terms of a Java list.
 * Spark 4 (Scala 2.13) edition: the children come as a {@code scala.collection.immutable.IndexedSeq}.
 */
public abstract class JavaLogicalPlan extends LogicalPlan {

    private static final long serialVersionUID = 1L;

    /** This node over {@code newChildren}, everything else the same. */
    protected abstract LogicalPlan withNewChildrenList(List<LogicalPlan> newChildren);

    @Override
    public LogicalPlan withNewChildrenInternal(scala.collection.immutable.IndexedSeq<LogicalPlan> newChildren) {
        return withNewChildrenList(ScalaInterop.list(newChildren));
    }
}
