package io.resnetspark.spark.plan;

import java.util.List;
import org.apache.spark.sql.execution.SparkPlan;

/**
 * A physical plan node with one child, written in Java: Catalyst's tree plumbing ({@code
 * children}, {@code withNewChildrenInternal}) in terms of {@link #child()} and {@link #withChild}.
 * Spark 3.5 (Scala 2.12) edition.
 */
public abstract class UnaryPhysicalNode extends SparkPlan {

    private static final long serialVersionUID = 1L;

    private transient scala.collection.immutable.Seq<SparkPlan> children;

    public abstract SparkPlan child();

    /** This node over {@code newChild}, everything else the same. */
    public abstract SparkPlan withChild(SparkPlan newChild);

    @Override
    public scala.collection.immutable.Seq<SparkPlan> children() {
        if (children == null) {
            children = ScalaInterop.seq(List.of(child()));
        }
        return children;
    }

    @Override
    public SparkPlan withNewChildrenInternal(scala.collection.IndexedSeq<SparkPlan> newChildren) {
        return withChild(newChildren.apply(0));
    }
}
