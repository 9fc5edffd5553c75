package io.resnetspark.sql;

import io.resnetspark.spark.plan.ResNetScoringStrategy;
import io.resnetspark.spark.plan.ScalaInterop;
import org.apache.spark.sql.SparkSessionExtensions;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * The ResNet SQL functions as a Spark session extension, for one configuration line:
 * {@code spark.sql.extensions=io.resnetspark.sql.ResNetSqlExtensions} (spark-sql, the Thrift
 * server, PySpark, spark-submit). It adds {@code resnet_logits}, {@code resnet_topk}, {@code
 * resnet_embedding} and {@code resnet_error}; an analysis check of where their images come from;
 * the late optimizer rule that turns surviving calls into scoring nodes ({@link
 * ExtractResNetCalls}, a pre-CBO rule: after column pruning and filter push-down); and the
 * planner strategy for those nodes.
 */
public final class ResNetSqlExtensions extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {

    public ResNetSqlExtensions() {}

    @Override
    public BoxedUnit apply(SparkSessionExtensions extensions) {
        for (ResNetFunction function : ResNetFunction.values()) {
            FunctionInjection.inject(extensions, ResNetSql.id(function), ResNetSql.info(function), ResNetSql.builder(function));
        }
        extensions.injectCheckRule(ScalaInterop.function(session -> new ResNetCallCheck()));
        extensions.injectPreCBORule(ScalaInterop.function(ExtractResNetCalls::new));
        extensions.injectPlannerStrategy(ScalaInterop.function(session -> new ResNetScoringStrategy()));
        return BoxedUnit.UNIT;
    }
}
