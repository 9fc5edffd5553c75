package io.resnetspark.spark;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.util.LongAccumulator;

/**
 * Stage timings of a scoring run, gathered from the tasks through Spark accumulators: the time
 * the task threads spent reading input rows, decoding, preprocessing, in inference (each image's
 * share of its batch) and handing rows to the writer. Timings are summed over task threads, so
 * they add up to more than the wall time when tasks run in parallel, and a re-executed task adds
 * its time again. Row counts are not kept here: the job counts the rows it wrote, which stays
 * exact under retries.
 */
public final class ScoringMetrics implements Serializable {

    private static final long serialVersionUID = 1L;

    final LongAccumulator readNanos;
    final LongAccumulator decodeNanos;
    final LongAccumulator preprocessNanos;
    final LongAccumulator inferenceNanos;
    final LongAccumulator writeNanos;

    private ScoringMetrics(SparkContext spark) {
        readNanos = spark.longAccumulator("resnet.nanos.read");
        decodeNanos = spark.longAccumulator("resnet.nanos.decode");
        preprocessNanos = spark.longAccumulator("resnet.nanos.preprocess");
        inferenceNanos = spark.longAccumulator("resnet.nanos.inference");
        writeNanos = spark.longAccumulator("resnet.nanos.write");
    }

    /** New timers, registered with the driver's Spark context. */
    public static ScoringMetrics register(SparkContext spark) {
        return new ScoringMetrics(spark);
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
