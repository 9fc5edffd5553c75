package io.resnetspark.cli;

import io.resnetspark.model.InferenceResult;
import io.resnetspark.model.ResNetModel;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code resnet demo}: one batch through the model, with the top classes of each row. */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = "Run a small seeded batch through the model and print the top classes of each"
                + " row. With the default seeded weights the classes mean nothing: the weights are"
                + " not pretrained.")
final class DemoCommand implements Callable<Integer> {

    @Mixin ModelOptions model;

    @Option(names = "--batch", defaultValue = "4", description = "Rows in the batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--size", defaultValue = "224", description = "Input height and width (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--top", defaultValue = "5", description = "Classes shown per row (default: ${DEFAULT-VALUE}).")
    int top;

    @Override
    public Integer call() throws Exception {
        try (ResNetModel resnet = model.open()) {
            long[] shape = {batch, resnet.spec().inChannels(), size, size};
            float[] input = new float[Math.toIntExact(shape[0] * shape[1] * size * size)];
            SplittableRandom random = new SplittableRandom(7);
            for (int i = 0; i < input.length; i++) {
                input[i] = (float) random.nextGaussian();
            }
            long start = System.nanoTime();
            InferenceResult result = resnet.forward(input, shape);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "model %s, %,d parameters, weights %s, on %s%n",
                    resnet.spec(), resnet.parameterCount(), resnet.weightsFingerprint(), resnet.device());
            System.out.printf(Locale.ROOT, "input %d x %d x %d x %d (seeded noise) -> logits %d x %d, features %d x %d in %.2f s%n",
                    shape[0], shape[1], shape[2], shape[3], result.batchSize(), result.numClasses(),
                    result.batchSize(), result.featureSize(), seconds);
            for (int row = 0; row < result.batchSize(); row++) {
                float[] logits = result.logitsOf(row);
                int[] best = IntStream.range(0, logits.length).boxed()
                        .sorted((a, b) -> Float.compare(logits[b], logits[a]))
                        .limit(top).mapToInt(Integer::intValue).toArray();
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "row %d top-%d:", row, best.length));
                for (int index : best) {
                    line.append(String.format(Locale.ROOT, "  class %d (%.3f)", index, logits[index]));
                }
                System.out.println(line);
            }
        }
        return 0;
    }
}
