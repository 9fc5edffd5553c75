package io.resnetspark.sql;

import io.resnetspark.spark.plan.ResNetScoringStrategy;
import io.resnetspark.spark.plan.ScalaInterop;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.rules.Rule;

/**
 * Registers the ResNet SQL functions on a session that is already running, from Java:
 * {@code ResNetSql.register(spark)}.
 *
 * <p>A running session's optimizer and analyzer cannot take new rules, so here the extraction rule
 * goes into the session's extra optimizer rules ({@code spark.experimental().extraOptimizations()},
 * which run after Spark's own optimizer, so pruning and push-down still happened first) and the
 * planner strategy into its extra strategies. The analysis check of image sources is not
 * installed; the same errors come from the extraction instead. The {@code spark.sql.extensions}
 * line ({@link ResNetSqlExtensions}) is the preferred installation.
 */
public final class ResNetSql {

    private ResNetSql() {}

    /** Registers the functions, the extraction rule and the planner strategy on {@code spark}; twice is harmless. */
    public static void register(SparkSession spark) {
        for (ResNetFunction function : ResNetFunction.values()) {
            FunctionInjection.register(spark.sessionState().functionRegistry(), id(function), info(function),
                    builder(function));
        }
        synchronized (spark.experimental()) {
            List<Rule<LogicalPlan>> rules = ScalaInterop.list(spark.experimental().extraOptimizations());
            if (rules.stream().noneMatch(rule -> rule instanceof ExtractResNetCalls)) {
                rules.add(new ExtractResNetCalls(spark));
                spark.experimental().extraOptimizations_$eq(ScalaInterop.seq(rules));
            }
        }
        ResNetScoringStrategy.install(spark);
    }

    static FunctionIdentifier id(ResNetFunction function) {
        return new FunctionIdentifier(function.sqlName());
    }

    static ExpressionInfo info(ResNetFunction function) {
        return new ExpressionInfo(ResNetCall.class.getName(), null, function.sqlName(), function.usage(), "");
    }

    static java.util.function.Function<List<Expression>, Expression> builder(ResNetFunction function) {
        return arguments -> new ResNetCall(function, arguments);
    }
}
