package io.resnetspark.cli;

import io.resnetspark.model.InferenceResult;
import io.resnetspark.model.ResNetModel;
import io.resnetspark.weights.NpyFormat;
import io.resnetspark.weights.Tensor;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code resnet forward}: logits of an N x C x H x W float32 .npy, written as an N x K .npy. */
@Command(
        name = "forward",
        mixinStandardHelpOptions = true,
        description = "Run the network on a float32 N x C x H x W .npy and write the N x K logits as a"
                + " float32 .npy.")
final class ForwardCommand implements Callable<Integer> {

    @Mixin ModelOptions model;

    @Option(names = "--input", required = true, paramLabel = "X.npy", description = "Input batch, N x C x H x W.")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "Y.npy", description = "Where to write the N x K logits.")
    Path output;

    @Option(
            names = "--features",
            paramLabel = "F.npy",
            description = "Also write the pooled penultimate features (N x 512 or N x 2048).")
    Path features;

    @Override
    public Integer call() throws Exception {
        model.spec(); // a bad --arch or --num-classes is reported before any file is read
        Tensor batch = NpyFormat.read(input);
        try (ResNetModel resnet = model.open()) {
            InferenceResult result = resnet.forward(batch.values(), batch.shape());
            NpyFormat.write(output, new Tensor(new long[] {result.batchSize(), result.numClasses()}, result.logits(), "F32"));
            if (features != null) {
                NpyFormat.write(
                        features,
                        new Tensor(new long[] {result.batchSize(), result.featureSize()}, result.features(), "F32"));
            }
        }
        return 0;
    }
}
