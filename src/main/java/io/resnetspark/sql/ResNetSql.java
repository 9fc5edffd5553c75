package io.resnetspark.sql;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.rules.Rule;
import scala.Tuple3;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * Registers the ResNet SQL functions on a session that is already running, from Java:
 * {@code ResNetSql.register(spark)}.
 *
 * <p>A running session's analyzer cannot take new rules, so here the batching rule is added to
 * the session's extra optimizer rules ({@code spark.experimental().extraOptimizations()}), which
 * run after Spark's own optimizer: queries are batched the same way, and EXPLAIN shows the same
 * node. The {@code spark.sql.extensions} line ({@link ResNetSqlExtensions}) is the preferred
 * installation: there the rewrite happens in the analyzer, before any optimization.
 */
public final class ResNetSql {

    private ResNetSql() {}

    /** Registers the functions and the batching rule on {@code spark}; calling it twice is harmless. */
    public static void register(SparkSession spark) {
        for (ResNetFunction function : ResNetFunction.values()) {
            Tuple3<FunctionIdentifier, ExpressionInfo, scala.Function1<Seq<Expression>, Expression>> description =
                    functionDescription(function);
            spark.sessionState().functionRegistry().registerFunction(description._1(), description._2(), description._3());
        }
        List<Rule<LogicalPlan>> rules = new ArrayList<>(JavaConverters.seqAsJavaList(spark.experimental().extraOptimizations()));
        if (rules.stream().noneMatch(rule -> rule instanceof BatchScoringRule)) {
            rules.add(new BatchScoringRule(spark));
            spark.experimental().extraOptimizations_$eq(BatchScoringRule.seq(rules));
        }
    }

    static Tuple3<FunctionIdentifier, ExpressionInfo, scala.Function1<Seq<Expression>, Expression>> functionDescription(
            ResNetFunction function) {
        FunctionIdentifier id = new FunctionIdentifier(function.sqlName());
        ExpressionInfo info = new ExpressionInfo(ResNetCall.class.getName(), null, function.sqlName(), function.usage(), "");
        scala.Function1<Seq<Expression>, Expression> builder =
                BatchScoringRule.asFunction(arguments -> new ResNetCall(function, JavaConverters.seqAsJavaList(arguments)));
        return new Tuple3<>(id, info, builder);
    }
}
