package io.resnetspark.spark;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.util.LongAccumulator;

/**
 * Counters and timings of a scoring run, gathered from the tasks through Spark accumulators: rows
 * read, scored and invalid (per reason), and the time the task threads spent reading input rows,
 * decoding, preprocessing, waiting for inference (each image's share of its batch) and handing
 * rows to the writer. Timings are summed over task threads, so they add up to more than the wall
 * time when tasks run in parallel. Spark counts a retried task's updates once.
 */
public final class ScoringMetrics implements Serializable {

    private static final long serialVersionUID = 1L;

    final LongAccumulator rowsRead;
    final LongAccumulator rowsScored;
    final ReasonCounts invalidByReason;
    final LongAccumulator readNanos;
    final LongAccumulator decodeNanos;
    final LongAccumulator preprocessNanos;
    final LongAccumulator inferenceNanos;
    final LongAccumulator writeNanos;

    private ScoringMetrics(SparkContext spark) {
        rowsRead = spark.longAccumulator("resnet.rows.read");
        rowsScored = spark.longAccumulator("resnet.rows.scored");
        invalidByReason = new ReasonCounts();
        spark.register(invalidByReason, "resnet.rows.invalid");
        readNanos = spark.longAccumulator("resnet.nanos.read");
        decodeNanos = spark.longAccumulator("resnet.nanos.decode");
        preprocessNanos = spark.longAccumulator("resnet.nanos.preprocess");
        inferenceNanos = spark.longAccumulator("resnet.nanos.inference");
        writeNanos = spark.longAccumulator("resnet.nanos.write");
    }

    /** New counters, registered with the driver's Spark context. */
    public static ScoringMetrics register(SparkContext spark) {
        return new ScoringMetrics(spark);
    }

    public long rowsRead() {
        return rowsRead.value();
    }

    public long rowsScored() {
        return rowsScored.value();
    }

    public Map<String, Long> invalidByReason() {
        return invalidByReason.value();
    }

    public long rowsInvalid() {
        return invalidByReason.value().values().stream().mapToLong(Long::longValue).sum();
    }

    /** Seconds spent per stage, summed over task threads: read, decode, preprocess, inference, write. */
    public Map<String, Double> stageSeconds() {
        Map<String, Double> stages = new LinkedHashMap<>();
        stages.put("read", readNanos.value() / 1e9);
        stages.put("decode", decodeNanos.value() / 1e9);
        stages.put("preprocess", preprocessNanos.value() / 1e9);
        stages.put("inference", inferenceNanos.value() / 1e9);
        stages.put("write", writeNanos.value() / 1e9);
        return stages;
    }
}
