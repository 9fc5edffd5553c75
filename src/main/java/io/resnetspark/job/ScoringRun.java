package io.resnetspark.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import io.resnetspark.options.ScoringSettings;
import io.resnetspark.spark.InputKind;
import io.resnetspark.spark.ResNetTransformer;
import io.resnetspark.spark.ScoringMetrics;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One scoring run: read the input, skip what earlier runs scored (incremental mode), score with
 * {@link ResNetTransformer}, write the rows with their provenance to a staging directory, check
 * the failure budget, and publish the run atomically.
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
        checkColumns(input);
        ResNetTransformer transformer = transformer();
        transformer.transformSchema(input.schema());
        String fingerprint = transformer.weightsFingerprint(hadoop);
        String preprocessing = transformer.options().preprocessingSignature();
        RunOutput output = new RunOutput(outputLocation(spark, config), runId, hadoop);
        RunSummary summary = new RunSummary(runId, config, fingerprint, preprocessing, output.root().toString(),
                spark.version());
        if (in.format().equals("images")) {
            summary.excluded(excluded);
        }
        summary.tf32(Tf32Status.of(spark.sparkContext().getConf(), config.scoring().get(ScoringSettings.PRECISION)));

        if (config.run().incremental() && output.hasPublishedRuns()) {
            Dataset<Row> done = spark.read().format(config.output().format()).load(output.root().toString())
                    .filter(col("weights_fingerprint").equalTo(fingerprint)
                            .and(col("preprocessing").equalTo(preprocessing))
                            .and(col("error").isNull())
                            .and(col(RunOutput.RUN_PARTITION).notEqual(runId)))
                    .select(in.idColumn()).distinct();
            long before = input.count();
            input = input.join(done, input.col(in.idColumn()).equalTo(done.col(in.idColumn())), "left_anti");
            summary.skipped(before - input.count());
        }

        ScoringMetrics metrics = ScoringMetrics.register(spark.sparkContext());
        Dataset<Row> rows = transformer.withMetrics(metrics).transform(input).select(outputColumns(fingerprint, preprocessing));
        if (config.output().partitions() > 0) {
            rows = rows.repartition(config.output().partitions());
        }
        try {
            rows.write().format(config.output().format()).save(output.staging().toString());
            summary.counted(metrics, outcomes(output));
            if (summary.overBudget()) {
                output.discard();
                summary.finish(RunSummary.Status.FAILURE_BUDGET_EXCEEDED, start);
            } else {
                output.publish();
                if (config.output().table() != null) {
                    registerTable(output);
                }
                summary.finish(RunSummary.Status.SUCCEEDED, start);
            }
        } catch (RuntimeException | IOException e) {
            output.discard();
            throw e;
        }
        summary.writtenTo(output.writeSummary(summary.toJson()).toString());
        if (summary.status() == RunSummary.Status.SUCCEEDED) {
            LOG.info("run {} published to {}: {} images scored", runId, output.published(), summary.scored());
        } else {
            LOG.warn("run {} not published: {}", runId, summary.status());
        }
        return summary;
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
     * Makes the output a catalog table: an external table over the output directory, whose
     * run_id=... directories are its partitions. The data stays where the atomic publish put it,
     * so a table reader, like a path reader, sees whole runs only.
     */
    private void registerTable(RunOutput output) {
        String table = config.output().table();
        spark.sql("CREATE TABLE IF NOT EXISTS " + table + " USING " + config.output().format()
                + " LOCATION '" + output.root().toString().replace("'", "\\'") + "'");
        spark.sql("REFRESH TABLE " + table);
        spark.catalog().recoverPartitions(table);
    }

    /**
     * Rows per outcome, counted from what was written: exact even when Spark re-ran tasks (a
     * re-executed map task can count twice in accumulators). Key: null for scored rows, else the
     * reason code of the error.
     */
    private Map<String, Long> outcomes(RunOutput output) {
        Map<String, Long> counts = new TreeMap<>(java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder()));
        List<Row> grouped = spark.read().format(config.output().format()).load(output.staging().toString())
                .select(expr("substring_index(error, ':', 1)").as("reason"))
                .groupBy("reason").count().collectAsList();
        for (Row row : grouped) {
            counts.put(row.isNullAt(0) ? null : row.getString(0), row.getLong(1));
        }
        return counts;
    }

    private Dataset<Row> read(JobConfig.Input in, Configuration hadoop) throws IOException {
        switch (in.format()) {
            case "images":
                DataFrameReader reader = spark.read().format("binaryFile").option("pathGlobFilter", in.fileFilter());
                if (in.recursive()) {
                    reader = reader.option("recursiveFileLookup", "true");
                }
                Dataset<Row> files = reader.load(in.path());
                List<String> listed = listedFiles(files);
                excluded = ExcludedFiles.find(hadoop, in.path(), in.fileFilter(), listed);
                if (excluded.total() > 0) {
                    LOG.warn("{} files under {} are not scored: {} not matching input.file-filter {}, {} hidden"
                            + " (names starting with '.' or '_'); for example {}", excluded.total(), in.path(),
                            excluded.byFilter(), in.fileFilter(), excluded.hidden(), excluded.examples());
                }
                return withEmptyFiles(files, listed);
            case "table":
                return spark.table(in.table());
            default:
                return spark.read().format(in.format()).load(in.path());
        }
    }

    /**
     * Spark's binaryFile source never produces a row for a zero-byte file. Such files are listed,
     * though, so they are added back with empty content: they then come out as invalid rows with
     * reason "empty" instead of vanishing from the output and the counts.
     */
    private Dataset<Row> withEmptyFiles(Dataset<Row> files, List<String> listed) {
        if (listed.isEmpty()) {
            return files;
        }
        Dataset<Row> all = spark.createDataset(listed, Encoders.STRING()).toDF("path");
        Dataset<Row> empty = all.join(files.select("path"), all.col("path").equalTo(files.col("path")), "left_anti")
                .select(col("path"), lit(null).cast("timestamp").as("modificationTime"), lit(0L).as("length"),
                        lit(new byte[0]).as("content"));
        return files.unionByName(empty);
    }

    /** The files Spark listed for a binaryFile input, zero-byte ones included, as Hadoop paths. */
    private static List<String> listedFiles(Dataset<Row> files) {
        // inputFiles() gives encoded URIs (file:///a%20b.jpg); the path column the decoded form
        // that Hadoop's Path prints (file:/a b.jpg).
        List<String> listed = new ArrayList<>();
        for (String uri : files.inputFiles()) {
            listed.add(new org.apache.hadoop.fs.Path(java.net.URI.create(uri)).toString());
        }
        return listed;
    }

    private void checkColumns(Dataset<Row> input) {
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

    private ResNetTransformer transformer() {
        JobConfig.Columns c = config.columns();
        ResNetTransformer transformer = new ResNetTransformer()
                .setInputCol(config.input().imageColumn())
                .setOptions(config.scoring());
        if (c.probabilities()) {
            transformer.setProbabilitiesCol("probabilities");
        }
        if (c.topK() > 0) {
            transformer.setTopKCol("top_k").setTopK(c.topK());
        }
        if (c.embedding()) {
            transformer.setEmbeddingCol("embedding");
        }
        return transformer;
    }

    /** id, logits, the optional columns, error, then provenance; the image bytes are not copied. */
    private Column[] outputColumns(String fingerprint, String preprocessing) {
        List<Column> columns = new ArrayList<>();
        columns.add(col(config.input().idColumn()));
        columns.add(col("logits"));
        if (config.columns().probabilities()) {
            columns.add(col("probabilities"));
        }
        if (config.columns().topK() > 0) {
            columns.add(col("top_k"));
        }
        if (config.columns().embedding()) {
            columns.add(col("embedding"));
        }
        columns.add(col("error"));
        columns.add(lit(config.scoring().get(ScoringSettings.ARCH)).as("arch"));
        columns.add(lit(config.scoring().get(ScoringSettings.PRECISION)).as("precision"));
        columns.add(lit(fingerprint).as("weights_fingerprint"));
        columns.add(lit(preprocessing).as("preprocessing"));
        columns.add(current_timestamp().as("scored_at"));
        return columns.toArray(new Column[0]);
    }
}
