package io.resnetspark.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import io.resnetspark.spark.DeltaSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The batch scoring job: {@code spark-submit --class io.resnetspark.job.ScoringJob app.jar [options]},
 * or {@code jobs/score [options]}. Without an input, an output or a config file it runs the
 * embedded default: the sample images in the jar, seeded (not pretrained) weights, local output, a
 * table of results (other options, such as {@code --conf model.device=gpu}, apply to it).
 *
 * <p>Exit codes: 0 success; 2 configuration error (nothing ran); 3 failure budget exceeded (the
 * run was not published); 4 runtime failure. The last line of standard output is always the run
 * summary as one JSON object.
 */
@Command(name = "score", mixinStandardHelpOptions = true, version = "resnet-spark 0.1.0",
        description = "Score images with a ResNet on Spark and write logits with provenance.%n"
                + "Precedence: defaults < --config file < named flags < --conf key=value (in order).%n"
                + "Without --input, --output or --config: the embedded default run over the sample images.")
public final class ScoringJob implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(ScoringJob.class);

    @Option(names = "--input", paramLabel = "PATH", description = "Images directory or glob, or a Parquet/ORC path (input.path).")
    String input;

    @Option(names = "--output", paramLabel = "PATH", description = "Output directory (one run_id=<id> sub-directory per run) or Delta table path (output.path).")
    String output;

    @Option(names = "--format", paramLabel = "FORMAT", description = "Output format: parquet, json, orc or delta (output.format).")
    String format;

    @Option(names = "--arch", paramLabel = "NAME", description = "resnet18, resnet34, resnet50, resnet101 or resnet152 (model.arch).")
    String arch;

    @Option(names = "--weights", paramLabel = "URI", description = "torchvision state_dict, .safetensors or .npz, any Hadoop URI (model.weights).")
    String weights;

    @Option(names = "--run-id", paramLabel = "ID", description = "Run id; a rerun with the same id replaces that run's output (run.id).")
    String runId;

    @Option(names = "--config", paramLabel = "FILE", description = "Job config file, HOCON (see conf/job.conf).")
    Path configFile;

    @Option(names = "--conf", paramLabel = "KEY=VALUE",
            description = "Override a job key (e.g. model.batch-size=32) or set a Spark property (spark.*); repeatable.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--show", paramLabel = "N", defaultValue = "-1",
            description = "Print the first N result rows as a table (default: 20 for the embedded run, else 0).")
    int show;

    /**
     * Whether this is the embedded default run: nothing says what to read or where to write (no
     * --input, --output, --config, input.* or output.* override), so the job scores the sample
     * images, with whatever else was given (say --conf model.device=gpu).
     */
    private boolean embedded() {
        return input == null && output == null && configFile == null
                && overrides.stream().noneMatch(o -> o.startsWith("input.") || o.startsWith("output."));
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the job and returns its exit code. */
    public static int run(String... args) {
        ScoringJob job = new ScoringJob();
        // A flag given twice takes its last value, so wrappers can append overrides to a base command.
        CommandLine cli = new CommandLine(job).setOverwrittenOptionsAllowed(true);
        cli.setParameterExceptionHandler((e, a) -> {
            cli.getErr().println("score: " + e.getMessage() + " (see --help)");
            printSummary(RunSummary.failure(RunSummary.Status.CONFIG_ERROR, null, e.getMessage()));
            return RunSummary.Status.CONFIG_ERROR.exitCode;
        });
        cli.setExecutionExceptionHandler((e, c, parsed) -> {
            LOG.error("the run failed", e);
            printSummary(RunSummary.failure(RunSummary.Status.FAILED, job.runId, rootMessage(e)));
            return RunSummary.Status.FAILED.exitCode;
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        ConfigLayers layers = new ConfigLayers();
        JobConfig config;
        String id;
        boolean embedded = embedded();
        try {
            if (embedded) {
                embeddedDefaults(layers);
            }
            if (configFile != null) {
                layers.file(configFile);
            }
            setIfGiven(layers, "input.path", input);
            setIfGiven(layers, "output.path", output);
            setIfGiven(layers, "output.format", format);
            setIfGiven(layers, "model.arch", arch);
            setIfGiven(layers, "model.weights", weights);
            setIfGiven(layers, "run.id", runId);
            overrides.forEach(layers::override);
            config = JobConfig.from(layers.resolve());
            id = config.run().id() != null ? config.run().id()
                    : ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'"));
        } catch (JobConfigException e) {
            return configError(e);
        }
        runId = id;
        LOG.info("resolved configuration: {}", ConfigLayers.render(config.resolved()));
        SparkSession.Builder builder = SparkSession.builder().appName("resnet-score " + id);
        Map<String, String> properties = new java.util.LinkedHashMap<>(layers.sparkProperties());
        if (config.output().delta()) {
            properties.putAll(DeltaSession.settings(properties));
        }
        for (Map.Entry<String, String> property : properties.entrySet()) {
            builder = builder.config(property.getKey(), property.getValue());
        }
        SparkSession spark = builder.getOrCreate();
        try {
            RunSummary summary;
            try {
                summary = config.run().stream() ? new StreamingRun(spark, config, id).execute()
                        : new ScoringRun(spark, config, id).execute();
            } catch (JobConfigException e) {
                return configError(e);
            }
            int rows = show >= 0 ? show : embedded ? 20 : 0;
            if (rows > 0 && summary.status() == RunSummary.Status.SUCCEEDED) {
                showResults(spark, config, id, rows);
            }
            printSummary(summary.toJson());
            return summary.status().exitCode;
        } finally {
            spark.stop();
        }
    }

    private static int configError(JobConfigException e) {
        System.err.println("score: config error: " + e.getMessage());
        printSummary(RunSummary.failure(RunSummary.Status.CONFIG_ERROR, null, e.getMessage()));
        return RunSummary.Status.CONFIG_ERROR.exitCode;
    }

    /** The embedded default: the jar's sample images, seeded weights, a local output directory. */
    private static void embeddedDefaults(ConfigLayers layers) throws java.io.IOException {
        Path home = Path.of(System.getProperty("java.io.tmpdir"), "resnet-spark-demo");
        Path samples = SampleImages.extractTo(home.resolve("images"));
        layers.set("input.path", samples.toUri().toString());
        layers.set("output.path", home.resolve("output").toUri().toString());
        layers.set("run.id", "demo");
        layers.set("outputs.top-k", 3);
        Files.createDirectories(home);
    }

    private static void setIfGiven(ConfigLayers layers, String key, String value) {
        if (value != null) {
            layers.set(key, value);
        }
    }

    private static void showResults(SparkSession spark, JobConfig config, String id, int rows) {
        String location = ScoringRun.outputLocation(spark, config);
        Dataset<Row> published = config.output().table() != null
                ? spark.table(config.output().table()).where(col(RunOutput.RUN_PARTITION).equalTo(id))
                : config.output().delta()
                        ? spark.read().format(DeltaTableOutput.FORMAT).load(location)
                                .where(col(RunOutput.RUN_PARTITION).equalTo(id))
                        : spark.read().format(config.output().format()).load(new org.apache.hadoop.fs.Path(
                                location, RunOutput.RUN_PARTITION + "=" + id).toString());
        List<Column> columns = new ArrayList<>();
        columns.add(expr("element_at(split(" + config.input().idColumn() + ", '/'), -1)").as("image"));
        if (config.columns().topK() > 0) {
            columns.add(expr("concat_ws(' ', transform(top_k, t -> format_string('%d:%.3f', t.index, t.score)))")
                    .as("top_k (class:probability)"));
        } else {
            columns.add(expr("array_position(logits, array_max(logits)) - 1").as("top_class"));
        }
        columns.add(expr("substring(error, 1, 70)").as("error"));
        published.select(columns.toArray(new Column[0])).orderBy(col("image")).show(rows, false);
    }

    private static void printSummary(String json) {
        System.out.println(json);
        System.out.flush();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
