package io.resnetspark.job;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.resnetspark.options.ScoringOptions;
import io.resnetspark.options.ScoringSettings;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The job's configuration, typed and validated: every problem is found here, before Spark starts,
 * with a message naming the key. The scoring settings (model, preprocessing, labels, progress) are
 * {@link ScoringOptions}; the rest are the job's own keys.
 */
record JobConfig(
        Input input,
        ScoringOptions scoring,
        Columns columns,
        Output output,
        Run run,
        Config resolved) {

    /** What to read; maxFilesPerTrigger bounds a stream's micro-batches (0: no bound). */
    record Input(String format, String path, String table, boolean recursive, String fileFilter,
            String imageColumn, String idColumn, int maxFilesPerTrigger) {}

    /** Optional output columns (labels for the top-k are a scoring setting). */
    record Columns(boolean probabilities, int topK, boolean embedding) {}

    /** Where the rows go; mergeSchema lets a run change a Delta table's columns. */
    record Output(String path, String table, String format, int partitions, boolean mergeSchema) {

        boolean delta() {
            return format.equals("delta");
        }
    }

    /**
     * This run: its id, incremental mode, the failure budget, and for {@code mode = stream} the
     * trigger (null: available-now, else the processing-time interval) and the checkpoint
     * (null: under the output).
     */
    record Run(String id, boolean incremental, double maxInvalidFraction, String mode, Duration trigger,
            String checkpoint) {

        boolean stream() {
            return mode.equals("stream");
        }
    }

    private static final List<String> INPUT_FORMATS = List.of("images", "parquet", "orc", "table");
    private static final List<String> OUTPUT_FORMATS = List.of("parquet", "json", "orc", "delta");
    private static final List<String> RUN_MODES = List.of("batch", "stream");
    private static final String AVAILABLE_NOW = "available-now";

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
                c.getString("input.file-filter"), imageColumn, idColumn, atLeastZero(c, "input.max-files-per-trigger"));

        // The job keeps invalid rows (with their reason) and applies its own run-wide budget.
        ScoringOptions scoring = JobSettings.read(c).with(ScoringSettings.HANDLE_INVALID, "keep");

        int topK = atLeastZero(c, "outputs.top-k");
        Columns columns = new Columns(c.getBoolean("outputs.probabilities"), topK, c.getBoolean("outputs.embedding"));

        String outputPath = optional(c, "output.path");
        String outputTable = optional(c, "output.table");
        require(outputPath != null || outputTable != null, "output.path (--output) or output.table is required");
        if (outputTable != null) {
            require(outputTable.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?"),
                    "output.table must be a table name, optionally database.table, got '" + outputTable + "'");
        }
        Output output = new Output(outputPath, outputTable, oneOf(c, "output.format", OUTPUT_FORMATS),
                atLeastZero(c, "output.partitions"), c.getBoolean("output.merge-schema"));

        String runId = optional(c, "run.id");
        if (runId != null) {
            require(runId.matches("[A-Za-z0-9._:-]+") && !runId.startsWith("."),
                    "run.id must be letters, digits, '.', '_', ':' or '-' (it names a directory), got '" + runId + "'");
        }
        double budget = c.getDouble("run.max-invalid-fraction");
        require(budget >= 0 && budget <= 1, "run.max-invalid-fraction must be within [0, 1], got " + budget);
        String mode = oneOf(c, "run.mode", RUN_MODES);
        if (mode.equals("stream")) {
            // Only Delta's idempotent writes let a restarted stream replay a micro-batch without doubling it.
            require(output.delta(), "run.mode = stream needs output.format = delta (got " + output.format()
                    + "): a restarted stream replays its last micro-batch, and only Delta's idempotent writes"
                    + " keep that from writing its rows twice");
            require(images, "run.mode = stream reads new image files: it needs input.format = images (got "
                    + inputFormat + ")");
            require(!c.getBoolean("run.incremental"), "run.incremental does not apply to run.mode = stream: the"
                    + " stream's checkpoint already remembers which files it scored");
        }
        Run run = new Run(runId, c.getBoolean("run.incremental"), budget, mode, trigger(c), optional(c, "run.checkpoint"));
        return new JobConfig(input, scoring, columns, output, run, c);
    }

    /** run.trigger: available-now, or a processing-time interval such as "10 minutes". */
    private static Duration trigger(Config c) {
        if (c.getString("run.trigger").equalsIgnoreCase(AVAILABLE_NOW)) {
            return null;
        }
        try {
            Duration interval = c.getDuration("run.trigger");
            require(!interval.isNegative() && !interval.isZero(), "run.trigger must be " + AVAILABLE_NOW
                    + " or a positive interval such as \"10 minutes\", got '" + c.getString("run.trigger") + "'");
            return interval;
        } catch (ConfigException.BadValue e) {
            throw new JobConfigException("run.trigger must be " + AVAILABLE_NOW + " or an interval such as \"10 minutes\","
                    + " got '" + c.getString("run.trigger") + "'", e);
        }
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

    private static int atLeastZero(Config c, String key) {
        int value = c.getInt(key);
        require(value >= 0, key + " must be >= 0, got " + value);
        return value;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new JobConfigException(message);
        }
    }
}
