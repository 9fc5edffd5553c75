package io.resnetspark.spark.plan;

import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.SparkStrategy;

/** Plans {@link ResNetScoring} as {@link ResNetScoringExec}. */
public final class ResNetScoringStrategy extends SparkStrategy {

    private static final long serialVersionUID = 1L;

    @Override
    public scala.collection.immutable.Seq<SparkPlan> apply(LogicalPlan plan) {
        if (plan instanceof ResNetScoring scoring) {
            return ScalaInterop.seq(List.of(new ResNetScoringExec(scoring.options(), scoring.outputs(), scoring.image(),
                    ScalaInterop.seq(scoring.results()), planLater(scoring.child()), scoring.metrics())));
        }
        return ScalaInterop.seq(List.of());
    }

    /**
     * Makes sure {@code spark} can plan scoring nodes: sessions built with the SQL extension have
     * the strategy already; others (a transformer used on any session) get it as an extra
     * strategy, once.
     */
    public static void install(SparkSession spark) {
        List<SparkStrategy> planned = ScalaInterop.list(spark.sessionState().planner().strategies());
        if (planned.stream().anyMatch(s -> s instanceof ResNetScoringStrategy)) {
            return;
        }
        synchronized (spark.experimental()) {
            List<SparkStrategy> extra = ScalaInterop.list(spark.experimental().extraStrategies());
            if (extra.stream().noneMatch(s -> s instanceof ResNetScoringStrategy)) {
                extra.add(new ResNetScoringStrategy());
                spark.experimental().extraStrategies_$eq(ScalaInterop.seq(extra));
            }
        }
    }
}
