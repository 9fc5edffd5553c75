package io.resnetspark.testing;

import org.apache.spark.sql.SparkSession;

/** One local[2] Spark session for a test class, bound to loopback, without a UI. */
public final class SparkTestSession {

    private SparkTestSession() {}

    public static SparkSession start(String appName) {
        return builder(appName).getOrCreate();
    }

    /** A session as {@link #start} makes it, with Delta Lake's SQL extension and catalog (Delta needs them to read). */
    public static SparkSession startWithDelta(String appName) {
        SparkSession.Builder builder = builder(appName);
        io.resnetspark.spark.DeltaSession.settings(java.util.Map.of()).forEach(builder::config);
        return builder.getOrCreate();
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

    /** Spark properties, as system properties, for the job run in process: local[2], loopback, no UI. */
    private static final java.util.Map<String, String> LOCAL_JOB_PROPERTIES = java.util.Map.of(
            "spark.master", "local[2]", "spark.ui.enabled", "false", "spark.driver.host", "127.0.0.1");

    /** Makes the sessions the job builds in this JVM local ones (the job reads spark.* system properties). */
    public static void setLocalJobProperties() {
        LOCAL_JOB_PROPERTIES.forEach(System::setProperty);
    }

    public static void clearLocalJobProperties() {
        LOCAL_JOB_PROPERTIES.keySet().forEach(System::clearProperty);
    }

    public static void stop(SparkSession spark) {
        if (spark != null) {
            spark.stop();
        }
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
    }

    /**
     * Session settings for the SQL functions' small test model: ResNet-18 with 10 classes and seeded
     * weights, {@code size}x{@code size} inputs, batches of 4, no weights file, labels or budget.
     */
    public static void useSmallModel(SparkSession spark, long seed, int size) {
        for (String setting : java.util.List.of("arch=resnet18", "numClasses=10", "seed=" + seed, "resizeSize=" + size,
                "cropSize=" + size, "batchSize=4", "maxInvalidFraction=1.0")) {
            spark.sql("SET spark.resnet." + setting);
        }
        spark.conf().unset("spark.resnet.weights");
        spark.conf().unset("spark.resnet.labels");
    }
}
