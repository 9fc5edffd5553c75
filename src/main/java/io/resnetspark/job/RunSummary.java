package io.resnetspark.job;

import com.google.gson.GsonBuilder;
import io.resnetspark.options.ScoringSettings;
import io.resnetspark.spark.ScoringMetrics;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a run did, as one JSON object: the last line the job prints and a file next to the output
 * ({@code <output>/_runs/<run id>.json}), for schedulers and people alike.
 */
final class RunSummary {

    /** How a run ended; each has its exit code (README.md, "Exit codes"). */
    enum Status {
        SUCCEEDED(0),
        CONFIG_ERROR(2),
        FAILURE_BUDGET_EXCEEDED(3),
        FAILED(4);

        final int exitCode;

        Status(int exitCode) {
            this.exitCode = exitCode;
        }
    }

    private final Map<String, Object> fields = new LinkedHashMap<>();
    private final double maxInvalidFraction;
    private Status status = Status.FAILED;
    private long rowsRead;
    private long scored;
    private long invalid;
    private long skipped;

    RunSummary(String runId, JobConfig config, String fingerprint, String preprocessing, String output,
            String sparkVersion) {
        this.maxInvalidFraction = config.run().maxInvalidFraction();
        fields.put("status", status.name().toLowerCase(java.util.Locale.ROOT));
        fields.put("exit_code", status.exitCode);
        fields.put("run_id", runId);
        fields.put("input", config.input().format().equals("table") ? config.input().table() : config.input().path());
        fields.put("output", output);
        fields.put("output_format", config.output().format());
        fields.put("mode", config.run().mode());
        fields.put("arch", config.scoring().get(ScoringSettings.ARCH));
        fields.put("weights_fingerprint", fingerprint);
        fields.put("preprocessing", preprocessing);
        fields.put("spark_version", sparkVersion);
        fields.put("started_at", Instant.now().toString());
    }

    /** A summary for a run that failed before any scoring started. */
    static String failure(Status status, String runId, String message) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("status", status.name().toLowerCase(java.util.Locale.ROOT));
        fields.put("exit_code", status.exitCode);
        fields.put("run_id", runId);
        fields.put("error", message);
        return new GsonBuilder().disableHtmlEscaping().create().toJson(fields);
    }

    /** The image files under the input that were not read, and a few of their names. */
    void excluded(ExcludedFiles files) {
        fields.put("files_excluded_by_filter", files.byFilter());
        fields.put("files_excluded_hidden", files.hidden());
        fields.put("files_excluded_examples", files.examples());
    }

    /** Whether TF32 was turned off for the executors ({@link Tf32Status}). */
    void tf32(Tf32Status status) {
        fields.put("precision", status.precision());
        fields.put("tf32", status.asJson());
    }

    /** The Delta table version the run committed (output.format = delta). */
    void deltaVersion(long version) {
        fields.put("delta_version", version);
    }

    Long deltaVersion() {
        return (Long) fields.get("delta_version");
    }

    /** A streaming run: its checkpoint, and how many micro-batches it wrote and found written already. */
    void stream(String checkpoint, long microBatches, long alreadyCommitted) {
        fields.put("checkpoint", checkpoint);
        fields.put("micro_batches", microBatches);
        fields.put("micro_batches_already_committed", alreadyCommitted);
    }

    void skipped(long count) {
        skipped = count;
    }

    /**
     * Takes the row counts from the written output ({@code outcomes}: null key for scored rows,
     * else reason code → rows) and the stage timings from the task accumulators.
     */
    void counted(ScoringMetrics metrics, Map<String, Long> outcomes) {
        Map<String, Long> invalidByReason = new TreeMap<>();
        outcomes.forEach((reason, count) -> {
            if (reason != null) {
                invalidByReason.put(reason, count);
            }
        });
        scored = outcomes.getOrDefault(null, 0L);
        invalid = invalidByReason.values().stream().mapToLong(Long::longValue).sum();
        rowsRead = scored + invalid + skipped;
        fields.put("rows_read", rowsRead);
        fields.put("scored", scored);
        fields.put("invalid", invalid);
        fields.put("invalid_by_reason", invalidByReason);
        fields.put("skipped_already_scored", skipped);
        fields.put("stage_seconds_summed_over_tasks", rounded(metrics.stageSeconds()));
    }

    boolean overBudget() {
        long considered = rowsRead - skipped;
        return considered > 0 && invalid > maxInvalidFraction * considered;
    }

    void finish(Status finalStatus, long startNanos) {
        status = finalStatus;
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        fields.put("status", status.name().toLowerCase(java.util.Locale.ROOT));
        fields.put("exit_code", status.exitCode);
        fields.put("duration_s", Math.round(seconds * 1000) / 1000.0);
        fields.put("images_per_s", Math.round(scored / seconds * 100) / 100.0);
        if (status == Status.FAILURE_BUDGET_EXCEEDED) {
            fields.put("error", String.format(java.util.Locale.ROOT,
                    "%d of %d rows invalid, more than run.max-invalid-fraction = %s; the run was not published",
                    invalid, rowsRead - skipped, maxInvalidFraction));
        }
    }

    void writtenTo(String path) {
        fields.put("summary_file", path);
    }

    Status status() {
        return status;
    }

    long scored() {
        return scored;
    }

    String toJson() {
        return new GsonBuilder().disableHtmlEscaping().create().toJson(fields);
    }

    private static Map<String, Double> rounded(Map<String, Double> seconds) {
        Map<String, Double> out = new LinkedHashMap<>();
        seconds.forEach((stage, value) -> out.put(stage, Math.round(value * 1000) / 1000.0));
        return out;
    }
}
