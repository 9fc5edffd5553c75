package io.resnetspark.job;

import io.resnetspark.spark.ScoringMetrics;
import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.DataStreamReader;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A streaming run ({@code run.mode = stream}): the image files under input.path as a Structured
 * Streaming file source, scored in micro-batches into the Delta table. With the default trigger,
 * available-now, it scores every file that arrived since the last run and stops, which is what a
 * daily schedule wants; with a processing-time trigger it keeps running.
 *
 * <p>Exactly once, across failures and restarts: the checkpoint records which files make up each
 * micro-batch before the batch runs, and each batch is appended with Delta's idempotent-write
 * options (the stream's id and the batch id, {@link DeltaTableOutput#appendBatch}). A batch that
 * is replayed after a driver died is written again only if its first commit never happened. Each
 * batch is staged and counted first, and a batch over run.max-invalid-fraction is not committed:
 * the stream stops (exit code 3) and the same batch is tried again on the next run.
 */
final class StreamingRun {

    private static final Logger LOG = LoggerFactory.getLogger(StreamingRun.class);

    /** What Spark's binaryFile source yields; file streams need their schema given. */
    static final StructType BINARY_FILE_SCHEMA = new StructType()
            .add("path", DataTypes.StringType, false)
            .add("modificationTime", DataTypes.TimestampType, false)
            .add("length", DataTypes.LongType, false)
            .add("content", DataTypes.BinaryType, true);

    private final SparkSession spark;
    private final JobConfig config;
    private final String runId;
    private final Map<String, Long> outcomes = new TreeMap<>(Comparator.nullsFirst(Comparator.naturalOrder()));
    private long microBatches;
    private long alreadyCommitted;
    private Long lastVersion;

    StreamingRun(SparkSession spark, JobConfig config, String runId) {
        this.spark = spark;
        this.config = config;
        this.runId = runId;
    }

    RunSummary execute() throws IOException, TimeoutException {
        long start = System.nanoTime();
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        Dataset<Row> files = newFiles();
        ScoringRun.checkColumns(config, files);
        RowScoring scoring = new RowScoring(spark, config, files.schema(), hadoop);
        RunOutput output = new RunOutput(ScoringRun.outputLocation(spark, config), runId, hadoop);
        DeltaTableOutput delta = new DeltaTableOutput(spark, output.root().toString(), config.output().mergeSchema());
        ScoringMetrics metrics = ScoringMetrics.register(spark.sparkContext());
        delta.checkSchema(scoring.score(files, metrics).schema());

        Path checkpoint = checkpoint(output, hadoop);
        // The stream's identity for Delta's idempotent writes: its checkpoint, which is what holds
        // its batch ids. A new checkpoint starts a new stream (batch ids from 0 again).
        String streamId = "resnet-spark-stream:" + checkpoint;
        RunSummary summary = ScoringRun.newSummary(spark, config, runId, scoring, output);
        VoidFunction2<Dataset<Row>, Long> writeBatch =
                (batch, batchId) -> writeMicroBatch(batch, batchId, scoring, metrics, output, delta, checkpoint, streamId);
        StreamingQuery query = files.writeStream()
                .option("checkpointLocation", checkpoint.toString())
                .trigger(config.run().trigger() == null ? Trigger.AvailableNow()
                        : Trigger.ProcessingTime(config.run().trigger().toMillis()))
                .foreachBatch(writeBatch)
                .start();
        LOG.info("stream {} started: {} into {}, checkpoint {}", runId, config.input().path(), delta.path(), checkpoint);
        RunSummary.Status status = RunSummary.Status.SUCCEEDED;
        try {
            query.awaitTermination();
        } catch (StreamingQueryException e) {
            if (!(rootCause(e) instanceof BudgetExceeded)) {
                throw new IllegalStateException("the stream failed: " + e.getMessage(), e);
            }
            LOG.warn("stream {} stopped: {}", runId, rootCause(e).getMessage());
            status = RunSummary.Status.FAILURE_BUDGET_EXCEEDED;
        }
        summary.counted(metrics, outcomes);
        summary.stream(checkpoint.toString(), microBatches, alreadyCommitted);
        if (lastVersion != null) {
            summary.deltaVersion(lastVersion);
        }
        if (config.output().table() != null && delta.exists()) {
            ScoringRun.registerTable(spark, config, delta.path());
        }
        summary.finish(status, start);
        summary.writtenTo(output.writeSummary(summary.toJson()).toString());
        return summary;
    }

    /** input.path as a stream of new files, filtered as a batch run filters them. */
    private Dataset<Row> newFiles() {
        JobConfig.Input in = config.input();
        DataStreamReader reader = spark.readStream().format("binaryFile").schema(BINARY_FILE_SCHEMA)
                .option("pathGlobFilter", in.fileFilter());
        if (in.recursive()) {
            reader = reader.option("recursiveFileLookup", "true");
        }
        if (in.maxFilesPerTrigger() > 0) {
            reader = reader.option("maxFilesPerTrigger", Integer.toString(in.maxFilesPerTrigger()));
        }
        return reader.load(in.path());
    }

    private Path checkpoint(RunOutput output, Configuration hadoop) throws IOException {
        Path path = config.run().checkpoint() != null ? new Path(config.run().checkpoint())
                : new Path(output.root(), "_checkpoint");
        return path.getFileSystem(hadoop).makeQualified(path);
    }

    /**
     * One micro-batch: score it, stage and count the rows, and append them to the table unless
     * the batch is over its failure budget (then nothing of it is committed and the stream stops).
     */
    private void writeMicroBatch(Dataset<Row> batch, long batchId, RowScoring scoring, ScoringMetrics metrics,
            RunOutput output, DeltaTableOutput delta, Path checkpoint, String streamId) throws IOException {
        // The micro-batch reaches foreachBatch as rows only; its files come from the checkpoint.
        List<String> listed = ImageFiles.asPaths(StreamSourceLog.filesOf(spark, checkpoint.toString(), 0, batchId));
        Dataset<Row> input = ImageFiles.withEmptyFiles(batch.sparkSession(), batch, listed);
        Path staging = output.staging("batch-" + batchId);
        try {
            scoring.score(input, metrics).write().parquet(staging.toString());
            Map<String, Long> batchOutcomes = scoring.outcomes("parquet", staging.toString());
            long rows = batchOutcomes.values().stream().mapToLong(Long::longValue).sum();
            long invalid = rows - batchOutcomes.getOrDefault(null, 0L);
            if (rows > 0 && invalid > config.run().maxInvalidFraction() * rows) {
                throw new BudgetExceeded(String.format(java.util.Locale.ROOT, "micro-batch %d: %d of %d rows invalid,"
                        + " more than run.max-invalid-fraction = %s; the batch was not committed", batchId, invalid, rows,
                        config.run().maxInvalidFraction()));
            }
            OptionalLong version = delta.appendBatch(spark.read().parquet(staging.toString()), runId, streamId, batchId);
            if (version.isPresent()) {
                lastVersion = version.getAsLong();
                microBatches++;
                batchOutcomes.forEach((reason, count) -> outcomes.merge(reason, count, Long::sum));
                LOG.info("stream {}: micro-batch {} of {} files committed as Delta version {}", runId, batchId,
                        listed.size(), lastVersion);
            } else {
                alreadyCommitted++;
                LOG.info("stream {}: micro-batch {} was committed before (a replay after a restart); not written again",
                        runId, batchId);
            }
        } finally {
            output.discard(staging);
        }
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    /** A micro-batch with more invalid rows than the budget allows. */
    static final class BudgetExceeded extends RuntimeException {
        BudgetExceeded(String message) {
            super(message);
        }
    }
}
