package io.resnetspark.sql;

import io.resnetspark.spark.plan.ScalaInterop;
import java.util.List;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.plans.logical.Aggregate;

/** Copies of Catalyst's Aggregate node. Spark 3.5 edition: an aggregate has no hint. */
final class Aggregates {

    private Aggregates() {}

    /** {@code aggregate} with other output expressions, the grouping and child kept. */
    static Aggregate withOutputs(Aggregate aggregate, List<NamedExpression> outputs) {
        return new Aggregate(aggregate.groupingExpressions(), ScalaInterop.seq(outputs), aggregate.child());
    }
}
