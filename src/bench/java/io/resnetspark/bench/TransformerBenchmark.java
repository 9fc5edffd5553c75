package io.resnetspark.bench;

import ai.djl.Device;
import io.resnetspark.engine.PyTorchRuntime;
import io.resnetspark.model.ResNetArchitecture;
import io.resnetspark.model.ResNetModel;
import io.resnetspark.model.ResNetSpec;
import io.resnetspark.spark.ResNetTransformer;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * End-to-end images/s of the transformer over a directory of JPEGs (binaryFile, decode,
 * torchvision preprocessing, inference, rows out) against the model alone at the same batch size,
 * in one JVM and one run. The ratio says how much of the model's speed the pipeline keeps.
 * Run by jobs/benchmark-transformer.
 */
@Command(name = "benchmark-transformer", mixinStandardHelpOptions = true,
        description = "Transformer end to end vs model-only forward, same batch size, same run.")
public final class TransformerBenchmark implements Callable<Integer> {

    @Mixin ImageTableOptions options;

    @Option(names = "--arch", defaultValue = "resnet50")
    String arch;

    @Override
    public Integer call() {
        SparkSession spark = SparkSession.builder().master(options.master).appName("benchmark-transformer")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            Dataset<Row> table = options.table(spark);
            long count = table.count();
            ResNetTransformer transformer = new ResNetTransformer().setArch(arch).setBatchSize(options.batchSize);
            transformer.transform(table.limit(options.batchSize)).write().format("noop").mode("overwrite").save(); // loads the model
            double bestPipeline = 0;
            double bestModel = 0;
            try (ResNetModel model = ResNetModel.seeded(ResNetSpec.imagenet(ResNetArchitecture.fromName(arch)), 0,
                    Device.cpu())) {
                for (int round = 1; round <= options.rounds; round++) {
                    long start = System.nanoTime();
                    transformer.transform(table).write().format("noop").mode("overwrite").save();
                    double pipeline = count / ((System.nanoTime() - start) / 1e9);
                    double modelOnly = modelOnly(model, (int) count);
                    System.err.printf(Locale.ROOT, "round %d: transformer %.2f images/s, model only %.2f images/s%n",
                            round, pipeline, modelOnly);
                    bestPipeline = Math.max(bestPipeline, pipeline);
                    bestModel = Math.max(bestModel, modelOnly);
                }
            }
            System.out.printf(Locale.ROOT, "%s, %d JPEGs, batch %d, %s, %d partitions, best of %d rounds%n",
                    arch, count, options.batchSize, options.master, options.partitions, options.rounds);
            System.out.printf(Locale.ROOT, "transformer end to end: %8.2f images/s%n", bestPipeline);
            System.out.printf(Locale.ROOT, "model only (forward):   %8.2f images/s%n", bestModel);
            System.out.printf(Locale.ROOT, "ratio:                  %8.2f (target >= 0.85, goal 0.90)%n", bestPipeline / bestModel);
        } finally {
            spark.stop();
        }
        return 0;
    }

    /** Forward passes over as many images as the table has, in full batches, on random input. */
    private double modelOnly(ResNetModel model, int images) {
        long[] shape = {options.batchSize, 3, 224, 224};
        float[] input = new float[options.batchSize * 3 * 224 * 224];
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) random.nextGaussian();
        }
        int batches = Math.max(1, images / options.batchSize);
        long start = System.nanoTime();
        for (int i = 0; i < batches; i++) {
            model.forward(input, shape);
        }
        return batches * options.batchSize / ((System.nanoTime() - start) / 1e9);
    }

    public static void main(String[] args) {
        PyTorchRuntime.engine();
        System.exit(new CommandLine(new TransformerBenchmark()).execute(args));
    }
}
