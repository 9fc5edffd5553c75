package io.resnetspark.testing;

import org.apache.spark.sql.SparkSession;

/** One local[2] Spark session for a test class, bound to loopback, without a UI. */
public final class SparkTestSession {

    private SparkTestSession() {}

    public static SparkSession start(String appName) {
        return builder(appName).getOrCreate();
    }

    /** The builder {@link #start} uses, for tests that add settings of their own. */
    public static SparkSession.Builder builder(String appName) {
        return SparkSession.builder()
                .master("local[2]")
                .appName(appName)
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.default.parallelism", "2");
    }

    public static void stop(SparkSession spark) {
        if (spark != null) {
            spark.stop();
        }
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
    }
}
