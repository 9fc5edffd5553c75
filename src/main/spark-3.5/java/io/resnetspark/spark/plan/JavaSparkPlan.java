package io.resnetspark.spark.plan;

import java.util.List;
import org.apache.spark.sql.execution.SparkPlan;

/**
 * A physical plan node written in Java: Catalyst's {@code withNewChildrenInternal} in terms of a Java list.
 * Spark 3.5 (Scala 2.12) edition: the children come as a {@code scala.collection.IndexedSeq}.
 */
public abstract class JavaSparkPlan extends SparkPlan {

    private static final long serialVersionUID = 1L;

    /** This node over {@code newChildren}, everything else the same. */
    protected abstract SparkPlan withNewChildrenList(List<SparkPlan> newChildren);

    @Override
    public SparkPlan withNewChildrenInternal(scala.collection.IndexedSeq<SparkPlan> newChildren) {
        return withNewChildrenList(ScalaInterop.list(newChildren));
    }
}
