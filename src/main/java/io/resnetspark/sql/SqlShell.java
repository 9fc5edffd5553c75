package io.resnetspark.sql;

import io.resnetspark.options.FrontEnd;
import io.resnetspark.options.ScoringSettings;
import io.resnetspark.options.Setting;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import io.resnetspark.spark.DeltaSession;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jobs/sql}: runs SQL on a local Spark in this process with the ResNet functions installed
 * ({@code spark.sql.extensions}), printing each statement's result table. Exit codes: 0 success,
 * 2 bad usage or a statement that fails analysis (one-line reason on stderr), 1 any other failure.
 */
@Command(
        name = "sql",
        mixinStandardHelpOptions = true,
        version = "resnet-spark 0.1.0",
        description = {
            "Runs Spark SQL with the ResNet functions resnet_logits(image), resnet_topk(image, k),"
                    + " resnet_embedding(image) and resnet_error(image) on a local Spark in this process.",
            "Model settings are session settings: --conf spark.resnet.arch=resnet18 or SET spark.resnet.arch=resnet18;",
            "the keys and their defaults are listed below."
        },
        footer = {
            "",
            "Example:",
            "  jobs/sql --images DIR -e \"SELECT path, resnet_topk(content, 5) FROM images\"",
            "  jobs/sql -e \"CREATE TEMPORARY VIEW images USING binaryFile OPTIONS (path '/data/images');"
                    + " SELECT path, resnet_topk(content, 5) FROM images\""
        })
public final class SqlShell implements Callable<Integer> {

    static final int EXIT_BAD_INPUT = 2;
    static final int EXIT_FAILURE = 1;

    @Option(names = "-e", paramLabel = "SQL", description = "statements to run, separated by ';'")
    String sql;

    @Option(names = "-f", paramLabel = "FILE", description = "file of statements separated by ';'")
    Path file;

    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "Spark or session setting (repeatable)")
    Map<String, String> conf = new LinkedHashMap<>();

    @Option(names = "--images", paramLabel = "DIR",
            description = "register a temporary view 'images' over this directory (binaryFile, recursive)")
    String images;

    @Option(names = "--show", paramLabel = "N", defaultValue = "1000", description = "rows to print per result (default ${DEFAULT-VALUE})")
    int show;

    @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: spark.master property or local[*])")
    String master;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the shell and returns its exit code. */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new SqlShell()).setUsageHelpWidth(120);
        List<String> footer = new ArrayList<>(List.of(cli.getCommandSpec().usageMessage().footer()));
        footer.add("");
        footer.add("Settings (default: meaning):");
        for (Setting<?> setting : ScoringSettings.of(FrontEnd.SQL)) {
            footer.add(String.format("  %-32s %s: %s", setting.sqlKey(),
                    setting.defaultText().isEmpty() ? "(none)" : setting.defaultText(), setting.doc()));
        }
        cli.getCommandSpec().usageMessage().footer(footer.toArray(new String[0]));
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("sql: error: " + firstLine(e));
            cmd.getErr().flush();
            return e instanceof AnalysisException || e instanceof IllegalArgumentException || e instanceof IOException
                    ? EXIT_BAD_INPUT : EXIT_FAILURE;
        });
        return cli.execute(args);
    }

    private static String firstLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.split("\n")[0];
    }

    @Override
    public Integer call() throws Exception {
        if ((sql == null) == (file == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give exactly one of -e SQL and -f FILE");
        }
        String text = sql != null ? sql : Files.readString(file, StandardCharsets.UTF_8);
        List<String> statements = split(text);
        SparkSession.Builder builder = SparkSession.builder()
                .appName("resnet-sql")
                .master(master != null ? master : System.getProperty("spark.master", "local[*]"));
        // The ResNet functions, and Delta Lake's SQL so that the job's Delta output can be queried
        // (SELECT ... FROM delta.`<output path>`).
        Map<String, String> settings = new java.util.LinkedHashMap<>(conf);
        settings.putIfAbsent(DeltaSession.EXTENSIONS_KEY, ResNetSqlExtensions.class.getName());
        settings.putAll(DeltaSession.settings(settings));
        for (Map.Entry<String, String> entry : settings.entrySet()) {
            builder.config(entry.getKey(), entry.getValue());
        }
        SparkSession spark = builder.getOrCreate();
        try {
            if (images != null) {
                spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(images)
                        .createOrReplaceTempView("images");
            }
            for (String statement : statements) {
                Dataset<Row> result = spark.sql(statement);
                if (result.schema().isEmpty()) {
                    result.collect();
                } else if (result.schema().fieldNames().length == 1 && result.schema().fieldNames()[0].equals("plan")) {
                    for (Row row : result.collectAsList()) { // EXPLAIN: the plan as text
                        System.out.println(row.getString(0));
                    }
                } else {
                    result.show(show, false);
                }
            }
        } finally {
            spark.stop();
        }
        return 0;
    }

    /** The statements of a script: split on ';' outside quotes and comments, blank ones dropped. */
    static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                current.append(c);
                if (c == '\\' && i + 1 < text.length()) {
                    current.append(text.charAt(++i));
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"' || c == '`') {
                quote = c;
                current.append(c);
            } else if (c == '-' && i + 1 < text.length() && text.charAt(i + 1) == '-') {
                while (i < text.length() && text.charAt(i) != '\n') {
                    i++;
                }
                current.append('\n');
            } else if (c == ';') {
                add(out, current);
            } else {
                current.append(c);
            }
        }
        add(out, current);
        return out;
    }

    private static void add(List<String> out, StringBuilder statement) {
        String s = statement.toString().strip();
        if (!s.isEmpty()) {
            out.add(s);
        }
        statement.setLength(0);
    }
}
