package io.resnetspark.cli;

import io.resnetspark.model.ResNetModel;
import io.resnetspark.weights.TensorFiles;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code resnet save}: writes the model's weights as a torchvision state_dict file. */
@Command(
        name = "save",
        mixinStandardHelpOptions = true,
        description = "Write the weights (seeded random without --weights) as a torchvision state_dict"
                + " file, .safetensors or .npz, and print its SHA-256.")
final class SaveCommand implements Callable<Integer> {

    @Mixin ModelOptions model;

    @Option(names = "--output", required = true, paramLabel = "FILE", description = ".safetensors or .npz file to write.")
    Path output;

    @Override
    public Integer call() throws Exception {
        try (ResNetModel resnet = model.open()) {
            resnet.save(output);
        }
        System.out.println(output + " sha256:" + TensorFiles.sha256(output));
        return 0;
    }
}
