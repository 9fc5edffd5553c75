package io.resnetspark.bench;

import ai.djl.Device;
import io.resnetspark.engine.PyTorchRuntime;
import io.resnetspark.image.ImageDecoder;
import io.resnetspark.image.InvalidImageException;
import io.resnetspark.image.PreprocessConfig;
import io.resnetspark.image.Preprocessor;
import io.resnetspark.model.ResNetArchitecture;
import io.resnetspark.model.ResNetModel;
import io.resnetspark.model.ResNetSpec;
import io.resnetspark.spark.ResNetTransformer;
import io.resnetspark.sql.ResNetSqlExtensions;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The SQL functions against the transformer on the same images in the same run (the batched SQL
 * node should keep >= 0.9x of the transformer's images/s), and against a naive row-at-a-time
 * Spark UDF that decodes, preprocesses and runs the model on one image per call (batch 1, one
 * JVM-wide model): what batching buys. Run by jobs/benchmark-sql.
 */
@Command(name = "benchmark-sql", mixinStandardHelpOptions = true,
        description = "SQL resnet_logits vs the transformer vs a naive row-at-a-time UDF, same images, same run.")
public final class SqlBenchmark implements Callable<Integer> {

    @Mixin ImageTableOptions options;

    @Option(names = "--arch", defaultValue = "resnet18")
    String arch;

    @Option(names = "--naive-rounds", defaultValue = "1", description = "Rounds of the (slow) row-at-a-time UDF.")
    int naiveRounds;

    @Option(names = "--explain", description = "Print both physical plans first.")
    boolean explain;

    @Override
    public Integer call() {
        SparkSession spark = SparkSession.builder().master(options.master).appName("benchmark-sql")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.extensions", ResNetSqlExtensions.class.getName())
                .getOrCreate();
        try {
            Dataset<Row> table = options.table(spark);
            long count = table.count();
            table.createOrReplaceTempView("bench_images");
            spark.sql("SET spark.resnet.arch=" + arch);
            spark.sql("SET spark.resnet.batchSize=" + options.batchSize);
            ResNetTransformer transformer = new ResNetTransformer().setArch(arch).setBatchSize(options.batchSize);
            NaiveModel.arch = arch;
            spark.udf().register("naive_logits", (UDF1<byte[], float[]>) NaiveModel::logits,
                    DataTypes.createArrayType(DataTypes.FloatType, false));
            String sql = "SELECT path, resnet_logits(content) AS logits FROM bench_images";
            String naive = "SELECT path, naive_logits(content) AS logits FROM bench_images";
            // Warm-up: loads the resident model (shared by SQL and the transformer) and the naive one.
            noop(spark.sql(sql + " LIMIT " + options.batchSize));
            noop(spark.sql(naive + " LIMIT 2"));
            if (explain) {
                System.err.println(spark.sql(sql).queryExecution().executedPlan().treeString());
                System.err.println(transformer.transform(table).queryExecution().executedPlan().treeString());
            }
            double bestSql = 0;
            double bestTransformer = 0;
            double bestNaive = 0;
            for (int round = 1; round <= options.rounds; round++) {
                // Alternate which side runs first, so neither always gets the warmer JVM.
                double t;
                double s;
                if (round % 2 == 1) {
                    t = imagesPerSecond(count, () -> noop(transformer.transform(table)));
                    s = imagesPerSecond(count, () -> noop(spark.sql(sql)));
                } else {
                    s = imagesPerSecond(count, () -> noop(spark.sql(sql)));
                    t = imagesPerSecond(count, () -> noop(transformer.transform(table)));
                }
                System.err.printf(Locale.ROOT, "round %d: transformer %.2f images/s, SQL %.2f images/s%n", round, t, s);
                bestTransformer = Math.max(bestTransformer, t);
                bestSql = Math.max(bestSql, s);
            }
            for (int round = 1; round <= naiveRounds; round++) {
                double n = imagesPerSecond(count, () -> noop(spark.sql(naive)));
                System.err.printf(Locale.ROOT, "naive round %d: %.2f images/s%n", round, n);
                bestNaive = Math.max(bestNaive, n);
            }
            System.out.printf(Locale.ROOT, "%s, %d JPEGs, batch %d, %s, %d partitions, best of %d rounds (naive: %d)%n",
                    arch, count, options.batchSize, options.master, options.partitions, options.rounds, naiveRounds);
            System.out.printf(Locale.ROOT, "SQL resnet_logits (batched):   %8.2f images/s%n", bestSql);
            System.out.printf(Locale.ROOT, "transformer:                   %8.2f images/s%n", bestTransformer);
            System.out.printf(Locale.ROOT, "naive row-at-a-time UDF:       %8.2f images/s%n", bestNaive);
            System.out.printf(Locale.ROOT, "SQL / transformer:             %8.2f (target >= 0.90)%n", bestSql / bestTransformer);
            System.out.printf(Locale.ROOT, "SQL / naive UDF:               %8.2f (what batching buys)%n", bestSql / bestNaive);
        } finally {
            spark.stop();
        }
        return 0;
    }

    private static void noop(Dataset<Row> rows) {
        rows.write().format("noop").mode("overwrite").save();
    }

    private static double imagesPerSecond(long count, Runnable run) {
        long start = System.nanoTime();
        run.run();
        return count / ((System.nanoTime() - start) / 1e9);
    }

    /** What a plain UDF does: one JVM-wide model, one image per forward pass. */
    static final class NaiveModel {
        static volatile String arch = "resnet18";
        private static ResNetModel model;
        private static final Preprocessor PREPROCESSOR = new Preprocessor(new PreprocessConfig(
                256, 224, 224, PreprocessConfig.IMAGENET_MEAN, PreprocessConfig.IMAGENET_STD));

        static float[] logits(byte[] encoded) {
            float[] chw;
            try {
                chw = PREPROCESSOR.toChw(new ImageDecoder().decode(encoded));
            } catch (InvalidImageException e) {
                return null;
            }
            synchronized (NaiveModel.class) {
                if (model == null) {
                    model = ResNetModel.seeded(ResNetSpec.imagenet(ResNetArchitecture.fromName(arch)), 0, Device.cpu());
                }
                return model.forward(chw, new long[] {1, 3, 224, 224}).logitsOf(0);
            }
        }
    }

    public static void main(String[] args) {
        PyTorchRuntime.engine();
        System.exit(new CommandLine(new SqlBenchmark()).execute(args));
    }
}
