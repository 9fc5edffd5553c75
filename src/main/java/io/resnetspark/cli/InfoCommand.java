package io.resnetspark.cli;

import io.resnetspark.model.ResNetModel;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code resnet info}: what a model is, where its weights came from, where it runs. */
@Command(
        name = "info",
        mixinStandardHelpOptions = true,
        description = "Load the model and print its architecture, parameter count, state_dict size,"
                + " weights fingerprint and device.")
final class InfoCommand implements Callable<Integer> {

    @Mixin ModelOptions model;

    @Override
    public Integer call() throws Exception {
        try (ResNetModel resnet = model.open()) {
            System.out.println("model:       " + resnet.spec());
            System.out.println("parameters:  " + resnet.parameterCount());
            System.out.println("state_dict:  " + resnet.block().stateDictParameters().size()
                    + " tensors (num_batches_tracked counters not counted)");
            System.out.println("weights:     " + resnet.weightsFingerprint());
            System.out.println("device:      " + resnet.device());
        }
        return 0;
    }
}
