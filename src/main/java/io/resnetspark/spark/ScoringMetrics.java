package io.resnetspark.spark;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.execution.metric.SQLMetric;
import org.apache.spark.sql.execution.metric.SQLMetrics;
import org.apache.spark.sql.execution.metric.SQLMetrics$;

/**
 * The SQL metrics of a scoring node, shown on its node in the Spark UI and in {@code
 * executedPlan().metrics()}: images scored, invalid images, batches, and the time the task threads
 * spent reading rows, decoding, preprocessing, in inference (each image's share of its batch) and
 * downstream of the node (the writer). Times are summed over task threads, so they add up to more
 * than the wall time when tasks run in parallel; a re-executed task adds its counts again (the job
 * counts its rows from what it wrote, which stays exact).
 */
public final class ScoringMetrics implements Serializable {

    private static final long serialVersionUID = 1L;

    final SQLMetric scored;
    final SQLMetric invalid;
    final SQLMetric batches;
    final SQLMetric inferenceNanos;
    final SQLMetric readNanos;
    final SQLMetric decodeNanos;
    final SQLMetric preprocessNanos;
    final SQLMetric downstreamNanos;

    private ScoringMetrics(SparkContext spark) {
        scored = SQLMetrics.createMetric(spark, "images scored");
        invalid = SQLMetrics.createMetric(spark, "invalid images");
        batches = SQLMetrics.createMetric(spark, "batches");
        inferenceNanos = timing(spark, "inference time");
        readNanos = timing(spark, "read time");
        decodeNanos = timing(spark, "decode time");
        preprocessNanos = timing(spark, "preprocess time");
        downstreamNanos = timing(spark, "downstream time");
    }

    private static SQLMetric timing(SparkContext spark, String name) {
        return SQLMetrics.createNanoTimingMetric(spark, name, SQLMetrics$.MODULE$.createNanoTimingMetric$default$3());
    }

    /** New metrics, registered with the driver's Spark context. */
    public static ScoringMetrics register(SparkContext spark) {
        return new ScoringMetrics(spark);
    }

    /** The metrics by the keys the plan node reports them under. */
    public Map<String, SQLMetric> byName() {
        Map<String, SQLMetric> metrics = new LinkedHashMap<>();
        metrics.put("scored", scored);
        metrics.put("invalid", invalid);
        metrics.put("batches", batches);
        metrics.put("inferenceTime", inferenceNanos);
        metrics.put("readTime", readNanos);
        metrics.put("decodeTime", decodeNanos);
        metrics.put("preprocessTime", preprocessNanos);
        metrics.put("downstreamTime", downstreamNanos);
        return metrics;
    }

    /** Seconds spent per stage, summed over task threads: read, decode, preprocess, inference, write. */
    public Map<String, Double> stageSeconds() {
        Map<String, Double> stages = new LinkedHashMap<>();
        stages.put("read", seconds(readNanos));
        stages.put("decode", seconds(decodeNanos));
        stages.put("preprocess", seconds(preprocessNanos));
        stages.put("inference", seconds(inferenceNanos));
        stages.put("write", seconds(downstreamNanos));
        return stages;
    }

    private static double seconds(SQLMetric nanos) {
        return Math.max(0, nanos.value()) / 1e9; // timing metrics start below zero until first added to
    }
}
