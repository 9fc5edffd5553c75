package io.resnetspark.bench;

import io.resnetspark.engine.PyTorchRuntime;
import io.resnetspark.spark.plan.ResNetScoringExec;
import io.resnetspark.spark.plan.ScalaInterop;
import io.resnetspark.sql.ResNetSqlExtensions;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec;
import org.apache.spark.sql.execution.adaptive.QueryStageExec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What a query over a view of scores costs when it keeps 1% of the images: {@code SELECT
 * count(logits)} over {@code CREATE VIEW scored AS SELECT path, resnet_logits(content) AS logits
 * FROM images}, with and without {@code WHERE path LIKE '%00.jpg'} (5 of 500 files), in alternating
 * rounds of the same run. With the filter below the scoring node the filtered query should cost
 * about 1% of the scoring, plus listing and reading the files. Run by jobs/benchmark-sql-view.
 */
@Command(name = "benchmark-sql-view", mixinStandardHelpOptions = true,
        description = "A filtered query over a view of scores against the unfiltered one, same images, same run.")
public final class SqlViewBenchmark implements Callable<Integer> {

    @Option(names = "--images", required = true, description = "Directory of JPEG files named img_NNNN.jpg.")
    String images;

    @Option(names = "--arch", defaultValue = "resnet18")
    String arch;

    @Option(names = "--batch-size", defaultValue = "16")
    int batchSize;

    @Option(names = "--master", defaultValue = "local[2]")
    String master;

    @Option(names = "--rounds", defaultValue = "2", description = "Alternating rounds; the best of each side counts.")
    int rounds;

    private static final String FILTER = "path LIKE '%00.jpg'";

    @Override
    public Integer call() {
        SparkSession spark = SparkSession.builder().master(master).appName("benchmark-sql-view")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.extensions", ResNetSqlExtensions.class.getName())
                .getOrCreate();
        try {
            spark.read().format("binaryFile").load(images).createOrReplaceTempView("images");
            spark.sql("SET spark.resnet.arch=" + arch);
            spark.sql("SET spark.resnet.batchSize=" + batchSize);
            spark.sql("CREATE OR REPLACE TEMPORARY VIEW scored AS SELECT path, resnet_logits(content) AS logits FROM images");
            String all = "SELECT count(logits) FROM scored";
            String filtered = all + " WHERE " + FILTER;
            long files = spark.table("images").count();
            long kept = spark.table("images").where(FILTER).count();
            run(spark, filtered); // warm-up: loads the resident model
            double bestAll = Double.MAX_VALUE;
            double bestFiltered = Double.MAX_VALUE;
            long scoredAll = 0;
            long scoredFiltered = 0;
            for (int round = 1; round <= rounds; round++) {
                // Alternate which query runs first, so neither always gets the warmer JVM.
                Run a;
                Run f;
                if (round % 2 == 1) {
                    a = run(spark, all);
                    f = run(spark, filtered);
                } else {
                    f = run(spark, filtered);
                    a = run(spark, all);
                }
                System.err.printf(Locale.ROOT, "round %d: unfiltered %.2f s (%d scored), filtered %.2f s (%d scored)%n",
                        round, a.seconds, a.scored, f.seconds, f.scored);
                bestAll = Math.min(bestAll, a.seconds);
                bestFiltered = Math.min(bestFiltered, f.seconds);
                scoredAll = a.scored;
                scoredFiltered = f.scored;
            }
            System.out.printf(Locale.ROOT, "%s, %d images, filter keeps %d (%.1f%%), batch %d, %s, best of %d rounds%n",
                    arch, files, kept, 100.0 * kept / files, batchSize, master, rounds);
            System.out.printf(Locale.ROOT, "unfiltered: %8.2f s, %d images scored%n", bestAll, scoredAll);
            System.out.printf(Locale.ROOT, "filtered:   %8.2f s, %d images scored%n", bestFiltered, scoredFiltered);
            System.out.printf(Locale.ROOT, "filtered / unfiltered time: %.3f (the filter keeps %.3f of the images)%n",
                    bestFiltered / bestAll, (double) kept / files);
        } finally {
            spark.stop();
        }
        return 0;
    }

    private record Run(double seconds, long scored) {}

    private static Run run(SparkSession spark, String sql) {
        Dataset<Row> query = spark.sql(sql);
        long start = System.nanoTime();
        query.collectAsList();
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Run(seconds, scored(query.queryExecution().executedPlan()));
    }

    /** Images the query's scoring node scored, from its SQL metric. */
    private static long scored(SparkPlan plan) {
        long total = 0;
        if (plan instanceof ResNetScoringExec scoring) {
            total += scoring.metrics().apply("scored").value();
        }
        if (plan instanceof AdaptiveSparkPlanExec adaptive) {
            total += scored(adaptive.executedPlan());
        }
        if (plan instanceof QueryStageExec stage) {
            total += scored(stage.plan());
        }
        for (SparkPlan child : ScalaInterop.list(plan.children())) {
            total += scored(child);
        }
        return total;
    }

    public static void main(String[] args) {
        PyTorchRuntime.engine();
        System.exit(new CommandLine(new SqlViewBenchmark()).execute(args));
    }
}
