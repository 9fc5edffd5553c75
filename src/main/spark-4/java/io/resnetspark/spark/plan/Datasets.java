package io.resnetspark.spark.plan;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;

/** DataFrames over logical plans this project builds. Spark 4 edition: the classic Dataset builds them. */
public final class Datasets {

    private Datasets() {}

    /** A DataFrame over {@code plan}, analysed in {@code spark} (a classic, not a Connect, session). */
    public static Dataset<Row> ofRows(SparkSession spark, LogicalPlan plan) {
        return org.apache.spark.sql.classic.Dataset$.MODULE$.ofRows((org.apache.spark.sql.classic.SparkSession) spark, plan);
    }
}
