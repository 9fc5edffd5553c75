package io.resnetspark.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import java.util.Locale;

/**
 * Where the user asked the model to run: {@code auto} (the first GPU when the engine sees one,
 * otherwise the CPU), {@code cpu}, {@code gpu} (GPU 0) or {@code gpu:N}.
 */
public record DeviceChoice(Kind kind, int gpuIndex) {

    /** The user's choice, before it meets the hardware. */
    public enum Kind {
        AUTO,
        CPU,
        GPU
    }

    public static final DeviceChoice AUTO = new DeviceChoice(Kind.AUTO, -1);
    public static final DeviceChoice CPU = new DeviceChoice(Kind.CPU, -1);

    /**
     * Parses {@code auto}, {@code cpu}, {@code gpu} or {@code gpu:N}.
     *
     * @throws IllegalArgumentException naming the accepted forms
     */
    public static DeviceChoice parse(String text) {
        String value = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        switch (value) {
            case "auto":
                return AUTO;
            case "cpu":
                return CPU;
            case "gpu":
                return new DeviceChoice(Kind.GPU, 0);
            default:
                if (value.startsWith("gpu:")) {
                    try {
                        int index = Integer.parseInt(value.substring(4));
                        if (index >= 0) {
                            return new DeviceChoice(Kind.GPU, index);
                        }
                    } catch (NumberFormatException e) {
                        // fall through to the error below
                    }
                }
                throw new IllegalArgumentException(
                        "device must be auto, cpu, gpu or gpu:N (N >= 0), got '" + text + "'");
        }
    }

    /**
     * Resolves the choice against the engine's devices.
     *
     * @throws IllegalStateException when a GPU was asked for and the engine has none (a CPU build, or
     *     no CUDA device visible)
     */
    public Device resolve(Engine engine) {
        // A CPU build has no CUDA support at all; asking it for GPUs only logs driver warnings.
        int gpus = engine.hasCapability(StandardCapabilities.CUDA) ? engine.getGpuCount() : 0;
        switch (kind) {
            case CPU:
                return Device.cpu();
            case AUTO:
                return gpus > 0 ? Device.gpu(0) : Device.cpu();
            default:
                if (gpuIndex >= gpus) {
                    throw new IllegalStateException(
                            "GPU " + gpuIndex + " was requested but the PyTorch engine sees " + gpus
                                    + " GPU(s); the GPU jar is built with -Pcu118 and needs a CUDA 11.8"
                                    + " capable driver");
                }
                return Device.gpu(gpuIndex);
        }
    }

    @Override
    public String toString() {
        return kind == Kind.GPU ? "gpu:" + gpuIndex : kind.name().toLowerCase(Locale.ROOT);
    }
}
