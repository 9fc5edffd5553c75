package io.resnetspark.spark.plan;

import java.util.List;
import org.apache.spark.sql.execution.SparkPlan;

/** A physical plan node with one child, written in Java: Catalyst's tree plumbing in terms of {@link #child()}. */
public abstract class UnaryPhysicalNode extends JavaSparkPlan {

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
    protected SparkPlan withNewChildrenList(List<SparkPlan> newChildren) {
        return withChild(newChildren.get(0));
    }
}
