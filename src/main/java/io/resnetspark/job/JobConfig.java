package io.resnetspark.job;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.resnetspark.engine.DeviceChoice;
import io.resnetspark.model.Precision;
import io.resnetspark.model.ResNetArchitecture;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The job's configuration, typed and validated: every problem is found here, before Spark starts,
 * with a message naming the key.
 */
record JobConfig(
        Input input,
        Model model,
        Columns columns,
        Output output,
        Run run,
        int logEveryBatches,
        Config resolved) {

    /** What to read. */
    record Input(String format, String path, String table, boolean recursive, String fileFilter,
            String imageColumn, String idColumn) {}

    /** Which model, where, and how to preprocess. */
    record Model(String arch, int numClasses, String weights, long seed, String device, String precision, int batchSize,
            int threads, int maxResidentModels, int resize, int crop, boolean normalize, double[] mean, double[] std,
            long maxImagePixels) {}

    /** Optional output columns. */
    record Columns(boolean probabilities, int topK, String labels, boolean embedding) {}

    /** Where the rows go. */
    record Output(String path, String table, String format, int partitions) {}

    /** This run: its id, incremental mode and the failure budget. */
    record Run(String id, boolean incremental, double maxInvalidFraction) {}

    private static final List<String> INPUT_FORMATS = List.of("images", "parquet", "orc", "table");
    private static final List<String> OUTPUT_FORMATS = List.of("parquet", "json", "orc");

    static JobConfig from(Config c) {
        try {
            return parse(c);
        } catch (ConfigException e) {
            throw new JobConfigException(e.getMessage(), e);
        }
    }

    private static JobConfig parse(Config c) {
        String inputFormat = oneOf(c, "input.format", INPUT_FORMATS);
        boolean images = inputFormat.equals("images");
        String inputPath = optional(c, "input.path");
        String inputTable = optional(c, "input.table");
        if (inputFormat.equals("table")) {
            require(inputTable != null, "input.table is required when input.format = table");
        } else {
            require(inputPath != null, "input.path is required (a directory or glob of images, or a " + inputFormat
                    + " path); set it in the config file, with --input, or with --conf input.path=...");
        }
        String imageColumn = orDefault(optional(c, "input.image-column"), images ? "content" : null,
                () -> "input.image-column is required when input.format = " + inputFormat);
        String idColumn = orDefault(optional(c, "input.id-column"), images ? "path" : null,
                () -> "input.id-column is required when input.format = " + inputFormat);
        Input input = new Input(inputFormat, inputPath, inputTable, c.getBoolean("input.recursive"),
                c.getString("input.file-filter"), imageColumn, idColumn);

        String arch = c.getString("model.arch");
        try {
            ResNetArchitecture.fromName(arch);
        } catch (IllegalArgumentException e) {
            throw new JobConfigException("model.arch: " + e.getMessage());
        }
        String device = c.getString("model.device");
        try {
            DeviceChoice.parse(device);
        } catch (IllegalArgumentException e) {
            throw new JobConfigException("model.device: " + e.getMessage());
        }
        String precision = c.getString("model.precision");
        try {
            precision = Precision.parse(precision).toString();
        } catch (IllegalArgumentException e) {
            throw new JobConfigException("model.precision: " + e.getMessage());
        }
        Model model = new Model(arch, positive(c, "model.num-classes"), optional(c, "model.weights"),
                c.getLong("model.seed"), device, precision, positive(c, "model.batch-size"), atLeastZero(c, "model.threads"),
                positive(c, "model.max-resident-models"),
                atLeastZero(c, "model.preprocessing.resize"), atLeastZero(c, "model.preprocessing.crop"),
                c.getBoolean("model.preprocessing.normalize"), threeNumbers(c, "model.preprocessing.mean"),
                threeNumbers(c, "model.preprocessing.std"), c.getLong("model.preprocessing.max-image-pixels"));
        require(model.resize() > 0 || model.crop() > 0,
                "model.preprocessing: resize and crop are both 0; nothing fixes the model input size");

        int topK = atLeastZero(c, "outputs.top-k");
        Columns columns = new Columns(c.getBoolean("outputs.probabilities"), topK, optional(c, "outputs.labels"),
                c.getBoolean("outputs.embedding"));

        String outputPath = optional(c, "output.path");
        String outputTable = optional(c, "output.table");
        require(outputPath != null || outputTable != null, "output.path (--output) or output.table is required");
        if (outputTable != null) {
            require(outputTable.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?"),
                    "output.table must be a table name, optionally database.table, got '" + outputTable + "'");
        }
        Output output = new Output(outputPath, outputTable, oneOf(c, "output.format", OUTPUT_FORMATS),
                atLeastZero(c, "output.partitions"));

        String runId = optional(c, "run.id");
        if (runId != null) {
            require(runId.matches("[A-Za-z0-9._:-]+") && !runId.startsWith("."),
                    "run.id must be letters, digits, '.', '_', ':' or '-' (it names a directory), got '" + runId + "'");
        }
        double budget = c.getDouble("run.max-invalid-fraction");
        require(budget >= 0 && budget <= 1, "run.max-invalid-fraction must be within [0, 1], got " + budget);
        Run run = new Run(runId, c.getBoolean("run.incremental"), budget);
        return new JobConfig(input, model, columns, output, run, positive(c, "progress.log-every-batches"), c);
    }

    private static String optional(Config c, String key) {
        return c.getIsNull(key) ? null : c.getString(key);
    }

    private static String orDefault(String value, String fallback, Supplier<String> missing) {
        String result = value != null ? value : fallback;
        require(result != null, missing.get());
        return result;
    }

    private static String oneOf(Config c, String key, List<String> allowed) {
        String value = c.getString(key).toLowerCase(Locale.ROOT);
        require(allowed.contains(value), key + " must be one of " + allowed + ", got '" + c.getString(key) + "'");
        return value;
    }

    private static int positive(Config c, String key) {
        int value = c.getInt(key);
        require(value > 0, key + " must be > 0, got " + value);
        return value;
    }

    private static int atLeastZero(Config c, String key) {
        int value = c.getInt(key);
        require(value >= 0, key + " must be >= 0, got " + value);
        return value;
    }

    private static double[] threeNumbers(Config c, String key) {
        List<Double> values = c.getDoubleList(key);
        require(values.size() == 3, key + " must list 3 numbers (R, G, B), got " + values.size());
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new JobConfigException(message);
        }
    }
}
