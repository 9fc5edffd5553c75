package io.resnetspark.cli;

import ai.djl.Device;
import io.resnetspark.engine.DeviceChoice;
import io.resnetspark.engine.PyTorchRuntime;
import io.resnetspark.model.Precision;
import io.resnetspark.model.ResNetArchitecture;
import io.resnetspark.model.ResNetModel;
import io.resnetspark.model.ResNetSpec;
import io.resnetspark.spark.DevicePlacement;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The options that say which model to build and with which weights; shared by the commands. */
final class ModelOptions {

    @Option(
            names = "--arch",
            required = true,
            paramLabel = "NAME",
            description = "Architecture: resnet18, resnet34, resnet50, resnet101 or resnet152.")
    String arch;

    @Option(
            names = "--num-classes",
            defaultValue = "1000",
            paramLabel = "K",
            description = "Classes of the final layer (default: ${DEFAULT-VALUE}).")
    int numClasses;

    @Option(
            names = "--in-channels",
            defaultValue = "3",
            paramLabel = "C",
            description = "Input channels (default: ${DEFAULT-VALUE}).")
    int inChannels;

    @Option(
            names = "--weights",
            paramLabel = "FILE",
            description = "torchvision state_dict as .safetensors or .npz; without it, seeded random"
                    + " weights (not pretrained).")
    Path weights;

    @Option(
            names = "--seed",
            defaultValue = "0",
            paramLabel = "N",
            description = "Seed of the random weights used without --weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--device",
            defaultValue = "auto",
            paramLabel = "DEVICE",
            description = "auto, cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(
            names = "--precision",
            defaultValue = "fp32",
            paramLabel = "P",
            description = "fp32, tf32 (GPU) or fp16 (GPU); bf16 is refused (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(
            names = "--threads",
            defaultValue = "0",
            paramLabel = "N",
            description = "PyTorch intra-op threads; 0 keeps PyTorch's default (default: ${DEFAULT-VALUE}).")
    int threads;

    ResNetSpec spec() {
        return new ResNetSpec(ResNetArchitecture.fromName(arch), numClasses, inChannels);
    }

    /** Loads the engine with the requested threads, then the model on the requested device. */
    ResNetModel open() throws IOException {
        if (threads < 0) {
            throw new IllegalArgumentException("--threads must be >= 0, got " + threads);
        }
        ResNetSpec spec = spec();
        DeviceChoice choice = DeviceChoice.parse(device);
        Precision computeIn = Precision.parse(precision);
        PyTorchRuntime.engine(threads);
        Device target = DevicePlacement.resolve(choice, Optional.empty(), PyTorchRuntime.visibleGpus());
        return weights == null
                ? ResNetModel.seeded(spec, seed, target, computeIn)
                : ResNetModel.load(spec, weights, target, computeIn);
    }
}
