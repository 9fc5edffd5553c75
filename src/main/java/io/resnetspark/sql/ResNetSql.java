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
import scala.Tuple3;
import scala.collection.Seq;

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
            Tuple3<FunctionIdentifier, ExpressionInfo, scala.Function1<Seq<Expression>, Expression>> description =
                    functionDescription(function);
            spark.sessionState().functionRegistry().registerFunction(description._1(), description._2(), description._3());
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

    static Tuple3<FunctionIdentifier, ExpressionInfo, scala.Function1<Seq<Expression>, Expression>> functionDescription(
            ResNetFunction function) {
        FunctionIdentifier id = new FunctionIdentifier(function.sqlName());
        ExpressionInfo info = new ExpressionInfo(ResNetCall.class.getName(), null, function.sqlName(), function.usage(), "");
        scala.Function1<Seq<Expression>, Expression> builder =
                ScalaInterop.function(arguments -> new ResNetCall(function, ScalaInterop.list(arguments)));
        return new Tuple3<>(id, info, builder);
    }
}
