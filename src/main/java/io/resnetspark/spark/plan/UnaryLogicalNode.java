package io.resnetspark.spark.plan;

import java.util.List;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;

/** A logical plan node with one child, written in Java: Catalyst's tree plumbing in terms of {@link #child()}. */
public abstract class UnaryLogicalNode extends JavaLogicalPlan {

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
    protected LogicalPlan withNewChildrenList(List<LogicalPlan> newChildren) {
        return withChild(newChildren.get(0));
    }
}
