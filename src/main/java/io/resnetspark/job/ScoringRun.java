package io.resnetspark.job;

import static org.apache.spark.sql.functions.col;

import io.resnetspark.options.ScoringSettings;
import io.resnetspark.spark.InputKind;
import io.resnetspark.spark.ScoringMetrics;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One batch scoring run: read the input, skip what earlier runs scored (incremental mode), score
 * ({@link RowScoring}), write the rows with their provenance to a staging directory, check the
 * failure budget, and publish the run atomically: a directory rename ({@link RunOutput}) or one
 * Delta commit ({@link DeltaTableOutput}).
 */
final class ScoringRun {

    private static final Logger LOG = LoggerFactory.getLogger(ScoringRun.class);

    private final SparkSession spark;
    private final JobConfig config;
    private final String runId;
    /** Image files under the input that are not read (format images only). */
    private ExcludedFiles excluded = ExcludedFiles.NONE;

    ScoringRun(SparkSession spark, JobConfig config, String runId) {
        this.spark = spark;
        this.config = config;
        this.runId = runId;
    }

    RunSummary execute() throws IOException {
        long start = System.nanoTime();
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        JobConfig.Input in = config.input();
        Dataset<Row> input = read(in, hadoop);
        checkColumns(config, input);
        RowScoring scoring = new RowScoring(spark, config, input.schema(), hadoop);
        RunOutput output = new RunOutput(outputLocation(spark, config), runId, hadoop);
        DeltaTableOutput delta = config.output().delta()
                ? new DeltaTableOutput(spark, output.root().toString(), config.output().mergeSchema()) : null;
        RunSummary summary = newSummary(spark, config, runId, scoring, output);
        if (in.format().equals("images")) {
            summary.excluded(excluded);
        }

        if (config.run().incremental()) {
            Dataset<Row> done = scoredBefore(output, delta, scoring);
            if (done != null) {
                long before = input.count();
                input = input.join(done, input.col(in.idColumn()).equalTo(done.col(in.idColumn())), "left_anti");
                summary.skipped(before - input.count());
            }
        }

        ScoringMetrics metrics = ScoringMetrics.register(spark.sparkContext());
        Dataset<Row> rows = scoring.score(input, metrics);
        // A Delta run is staged as Parquet and copied into the table in one commit once it passed
        // its budget: what is staged never shows in the table.
        String stagingFormat = delta != null ? "parquet" : config.output().format();
        if (delta != null) {
            delta.checkSchema(rows.schema());
            output.discardStaleStaging();
        }
        try {
            rows.write().format(stagingFormat).save(output.staging().toString());
            summary.counted(metrics, scoring.outcomes(stagingFormat, output.staging().toString()));
            if (summary.overBudget()) {
                output.discard();
                summary.finish(RunSummary.Status.FAILURE_BUDGET_EXCEEDED, start);
            } else {
                if (delta != null) {
                    summary.deltaVersion(delta.replaceRun(spark.read().parquet(output.staging().toString()), runId));
                    output.discard();
                } else {
                    output.publish();
                }
                if (config.output().table() != null) {
                    registerTable(spark, config, output.root().toString());
                }
                summary.finish(RunSummary.Status.SUCCEEDED, start);
            }
        } catch (RuntimeException | IOException e) {
            output.discard();
            throw e;
        }
        summary.writtenTo(output.writeSummary(summary.toJson()).toString());
        if (summary.status() == RunSummary.Status.SUCCEEDED) {
            LOG.info("run {} published to {}: {} images scored", runId,
                    delta != null ? delta.path() + " (Delta version " + summary.deltaVersion() + ")" : output.published(),
                    summary.scored());
        } else {
            LOG.warn("run {} not published: {}", runId, summary.status());
        }
        return summary;
    }

    /** The summary fields every run has, batch or stream. */
    static RunSummary newSummary(SparkSession spark, JobConfig config, String runId, RowScoring scoring,
            RunOutput output) {
        RunSummary summary = new RunSummary(runId, config, scoring.fingerprint(), scoring.preprocessing(),
                output.root().toString(), spark.version());
        summary.tf32(Tf32Status.of(spark.sparkContext().getConf(), config.scoring().get(ScoringSettings.PRECISION)));
        return summary;
    }

    /** Ids that earlier runs scored without error with these weights and preprocessing; null: none. */
    private Dataset<Row> scoredBefore(RunOutput output, DeltaTableOutput delta, RowScoring scoring) throws IOException {
        String id = config.input().idColumn();
        if (delta != null) {
            return delta.exists() ? delta.scoredBefore(id, scoring.fingerprint(), scoring.preprocessing(), runId) : null;
        }
        if (!output.hasPublishedRuns()) {
            return null;
        }
        return spark.read().format(config.output().format()).load(output.root().toString())
                .filter(col("weights_fingerprint").equalTo(scoring.fingerprint())
                        .and(col("preprocessing").equalTo(scoring.preprocessing()))
                        .and(col("error").isNull())
                        .and(col(RunOutput.RUN_PARTITION).notEqual(runId)))
                .select(id).distinct();
    }

    /**
     * Where a run's rows go: output.path, or for an output table without a path, the table's
     * directory under the warehouse.
     */
    static String outputLocation(SparkSession spark, JobConfig config) {
        if (config.output().path() != null) {
            return config.output().path();
        }
        return new org.apache.hadoop.fs.Path(spark.conf().get("spark.sql.warehouse.dir"),
                config.output().table().replace('.', '/')).toString();
    }

    /**
     * Makes the output a catalog table over the output directory. Parquet, JSON, ORC: an external
     * table whose run_id=... directories are its partitions; the data stays where the atomic
     * publish put it, so a table reader, like a path reader, sees whole runs only. Delta: a table
     * over the Delta log, which already knows its partitions and versions.
     */
    static void registerTable(SparkSession spark, JobConfig config, String location) {
        String table = config.output().table();
        spark.sql("CREATE TABLE IF NOT EXISTS " + table + " USING " + config.output().format()
                + " LOCATION '" + location.replace("'", "\\'") + "'");
        if (!config.output().delta()) {
            spark.sql("REFRESH TABLE " + table);
            spark.catalog().recoverPartitions(table);
        }
    }

    private Dataset<Row> read(JobConfig.Input in, Configuration hadoop) throws IOException {
        switch (in.format()) {
            case "images":
                DataFrameReader reader = spark.read().format("binaryFile").option("pathGlobFilter", in.fileFilter());
                if (in.recursive()) {
                    reader = reader.option("recursiveFileLookup", "true");
                }
                Dataset<Row> files = reader.load(in.path());
                List<String> listed = ImageFiles.listed(files);
                excluded = ExcludedFiles.find(hadoop, in.path(), in.fileFilter(), listed);
                if (excluded.total() > 0) {
                    LOG.warn("{} files under {} are not scored: {} not matching input.file-filter {}, {} hidden"
                            + " (names starting with '.' or '_'); for example {}", excluded.total(), in.path(),
                            excluded.byFilter(), in.fileFilter(), excluded.hidden(), excluded.examples());
                }
                return ImageFiles.withEmptyFiles(spark, files, listed);
            case "table":
                return spark.table(in.table());
            default:
                return spark.read().format(in.format()).load(in.path());
        }
    }

    /** Refuses an input without the configured image and id columns, or with an image column of the wrong type. */
    static void checkColumns(JobConfig config, Dataset<Row> input) {
        List<String> columns = Arrays.asList(input.columns());
        for (String column : List.of(config.input().imageColumn(), config.input().idColumn())) {
            if (!columns.contains(column)) {
                throw new JobConfigException("input has no column '" + column + "'; its columns are " + columns
                        + " (set input.image-column / input.id-column)");
            }
        }
        try {
            InputKind.of(config.input().imageColumn(), input.schema().apply(config.input().imageColumn()).dataType());
        } catch (IllegalArgumentException e) {
            throw new JobConfigException(e.getMessage(), e);
        }
    }
}
