package io.resnetspark.sql;

import org.apache.spark.sql.SparkSessionExtensions;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * The ResNet SQL functions as a Spark session extension, for one configuration line:
 * {@code spark.sql.extensions=io.resnetspark.sql.ResNetSqlExtensions} (spark-sql, the Thrift
 * server, PySpark, spark-submit). It adds {@code resnet_logits}, {@code resnet_topk}, {@code
 * resnet_embedding} and {@code resnet_error}, and the analyzer rule ({@link BatchScoringRule})
 * that runs them batched.
 */
public final class ResNetSqlExtensions extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {

    public ResNetSqlExtensions() {}

    @Override
    public BoxedUnit apply(SparkSessionExtensions extensions) {
        for (ResNetFunction function : ResNetFunction.values()) {
            extensions.injectFunction(ResNetSql.functionDescription(function));
        }
        extensions.injectPostHocResolutionRule(BatchScoringRule.asFunction(BatchScoringRule::new));
        return BoxedUnit.UNIT;
    }
}
