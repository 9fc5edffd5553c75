package io.resnetspark.sql;

import io.resnetspark.spark.plan.ScalaInterop;
import java.util.List;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.plans.logical.Aggregate;

/** Copies of Catalyst's Aggregate node. Spark 4 edition: an aggregate carries a hint, kept. */
final class Aggregates {

    private Aggregates() {}

    /** {@code aggregate} with other output expressions, the grouping, child and hint kept. */
    static Aggregate withOutputs(Aggregate aggregate, List<NamedExpression> outputs) {
        return aggregate.copy(aggregate.groupingExpressions(), ScalaInterop.seq(outputs), aggregate.child(),
                aggregate.hint());
    }
}
