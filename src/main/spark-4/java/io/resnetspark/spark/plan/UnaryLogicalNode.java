package io.resnetspark.spark.plan;

import java.util.List;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;

/**
 * A logical plan node with one child, written in Java: Catalyst's tree plumbing ({@code children},
 * {@code withNewChildrenInternal}) in terms of {@link #child()} and {@link #withChild}.
 * Spark 4 (Scala 2.13) edition.
 */
public abstract class UnaryLogicalNode extends LogicalPlan {

    private static final long serialVersionUID = 1L;

    private transient scala.collection.immutable.Seq<LogicalPlan> children;

    public abstract LogicalPlan child();

    /** This node over {@code newChild}, everything else the same. */
    public abstract LogicalPlan withChild(LogicalPlan newChild);

    @Override
    public scala.collection.immutable.Seq<LogicalPlan> children() {
        if (children == null) {
            children = ScalaInterop.seq(List.of(child()));
        }
        return children;
    }

    @Override
    public LogicalPlan withNewChildrenInternal(scala.collection.immutable.IndexedSeq<LogicalPlan> newChildren) {
        return withChild(newChildren.apply(0));
    }
}
