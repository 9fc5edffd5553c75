package io.resnetspark.spark;

import io.resnetspark.options.ScoringOptions;
import io.resnetspark.options.ScoringSettings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.types.StructType;

/**
 * Everything a task needs to score a partition, resolved on the driver once per query execution:
 * the options, the weights' fingerprint, the labels, what to output, and where the image (and a
 * column that names a row, for messages) sits in the input rows. Plain values only, so tasks
 * never serialize a transformer or a plan.
 */
public final class ScoringTask implements Serializable {

    private static final long serialVersionUID = 1L;

    private final ScoringOptions options;
    private final ModelSource model;
    private final String[] labels;
    private final ScoringOutputs outputs;
    private final StructType inputSchema;
    private final int imageOrdinal;
    private final int rowNameOrdinal;
    private final HadoopConf hadoopConf;
    private final ScoringMetrics metrics;

    private ScoringTask(ScoringOptions options, ModelSource model, String[] labels, ScoringOutputs outputs,
            StructType inputSchema, int imageOrdinal, HadoopConf hadoopConf, ScoringMetrics metrics) {
        this.options = options;
        this.model = model;
        this.labels = labels;
        this.outputs = outputs;
        this.inputSchema = inputSchema;
        this.imageOrdinal = imageOrdinal;
        this.rowNameOrdinal = List.of(inputSchema.fieldNames()).indexOf("path");
        this.hadoopConf = hadoopConf;
        this.metrics = metrics;
    }

    /**
     * Resolves a scoring pass on the driver: fingerprints the weights (remembered per file version)
     * and reads the labels when the top-k output needs them.
     *
     * @throws IllegalArgumentException when the weights or labels cannot be read, or the labels do
     *     not match the model's classes
     */
    public static ScoringTask prepare(ScoringOptions options, ScoringOutputs outputs, StructType inputSchema,
            int imageOrdinal, Configuration hadoop, ScoringMetrics metrics) {
        String fingerprint = fingerprint(options, hadoop);
        String[] labels = outputs.has(ScoringOutputs.Kind.TOP_K)
                ? options.optional(ScoringSettings.LABELS).map(uri -> readLabels(uri, options, hadoop)).orElse(null)
                : null;
        return new ScoringTask(options, ModelSource.of(options, fingerprint), labels, outputs, inputSchema, imageOrdinal,
                new HadoopConf(hadoop), metrics);
    }

    /**
     * Provenance of the weights the options select: {@code sha256:<hex>} of the weights file (read
     * through Hadoop), or {@code seed:<n>} for seeded random weights.
     */
    public static String fingerprint(ScoringOptions options, Configuration hadoop) {
        return options.optional(ScoringSettings.WEIGHTS)
                .map(uri -> WeightsLocator.fingerprint(uri, hadoop))
                .orElse("seed:" + options.get(ScoringSettings.SEED));
    }

    private static String[] readLabels(String uri, ScoringOptions options, Configuration hadoop) {
        List<String> labels = new ArrayList<>();
        Path path = new Path(uri);
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(path.getFileSystem(hadoop).open(path), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (!line.isBlank()) {
                    labels.add(line.strip());
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("labels file " + uri + " cannot be read: " + e.getMessage(), e);
        }
        int classes = options.get(ScoringSettings.NUM_CLASSES);
        if (labels.size() != classes) {
            throw new IllegalArgumentException("labels file " + uri + " has " + labels.size()
                    + " labels but the model has " + classes + " classes");
        }
        return labels.toArray(new String[0]);
    }

    public ScoringOptions options() {
        return options;
    }

    public ModelSource model() {
        return model;
    }

    /** Class names for the top-k output, or null for index-only entries. */
    String[] labels() {
        return labels;
    }

    public ScoringOutputs outputs() {
        return outputs;
    }

    StructType inputSchema() {
        return inputSchema;
    }

    int imageOrdinal() {
        return imageOrdinal;
    }

    /** Position of a column named {@code path} that names a row in messages, or -1. */
    int rowNameOrdinal() {
        return rowNameOrdinal;
    }

    Configuration hadoopConf() {
        return hadoopConf.get();
    }

    ScoringMetrics metrics() {
        return metrics;
    }

    InvalidRowPolicy invalidRows() {
        return InvalidRowPolicy.parse(options.get(ScoringSettings.HANDLE_INVALID));
    }
}
