package io.resnetspark.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import io.resnetspark.options.ScoringSettings;
import io.resnetspark.spark.ResNetTransformer;
import io.resnetspark.spark.ScoringMetrics;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * What the job does to input rows, in a batch run or a stream's micro-batch alike: the
 * transformer the configuration asks for, the output columns (id, logits, the optional columns,
 * error, provenance), and the outcome counts of rows once written.
 */
final class RowScoring {

    private final SparkSession spark;
    private final JobConfig config;
    private final ResNetTransformer transformer;
    private final String fingerprint;
    private final String preprocessing;

    /** Builds the transformer and fingerprints the weights (once per run, on the driver). */
    RowScoring(SparkSession spark, JobConfig config, StructType inputSchema, Configuration hadoop) {
        this.spark = spark;
        this.config = config;
        this.transformer = transformer(config);
        transformer.transformSchema(inputSchema);
        this.fingerprint = transformer.weightsFingerprint(hadoop);
        this.preprocessing = transformer.options().preprocessingSignature();
    }

    String fingerprint() {
        return fingerprint;
    }

    String preprocessing() {
        return preprocessing;
    }

    /** The scored rows, in the job's output columns; the image bytes are not copied. */
    Dataset<Row> score(Dataset<Row> input, ScoringMetrics metrics) {
        Dataset<Row> rows = transformer.withMetrics(metrics).transform(input).select(outputColumns());
        return config.output().partitions() > 0 ? rows.repartition(config.output().partitions()) : rows;
    }

    /**
     * Rows per outcome, counted from what was written: exact even when Spark re-ran tasks (a
     * re-executed map task can count twice in accumulators). Key: null for scored rows, else the
     * reason code of the error.
     */
    Map<String, Long> outcomes(String format, String written) {
        Map<String, Long> counts = new TreeMap<>(Comparator.nullsFirst(Comparator.naturalOrder()));
        List<Row> grouped = spark.read().format(format).load(written)
                .select(expr("substring_index(error, ':', 1)").as("reason"))
                .groupBy("reason").count().collectAsList();
        for (Row row : grouped) {
            counts.put(row.isNullAt(0) ? null : row.getString(0), row.getLong(1));
        }
        return counts;
    }

    private static ResNetTransformer transformer(JobConfig config) {
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

    private Column[] outputColumns() {
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
