package io.resnetspark.spark.plan;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Dataset$;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;

/** DataFrames over logical plans this project builds. Spark 3.5 edition. */
public final class Datasets {

    private Datasets() {}

    /** A DataFrame over {@code plan}, analysed in {@code spark}. */
    public static Dataset<Row> ofRows(SparkSession spark, LogicalPlan plan) {
        return Dataset$.MODULE$.ofRows(spark, plan);
    }
}
