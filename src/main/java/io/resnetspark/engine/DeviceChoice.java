package io.resnetspark.engine;

import java.util.Locale;

/**
 * Where the user asked the model to run: {@code auto} (the GPU Spark assigned to the task, else the
 * first GPU the engine sees, else the CPU), {@code cpu}, {@code gpu} (GPU 0 unless Spark assigned
 * one) or {@code gpu:N}. Resolved against Spark's assignment and the engine by
 * {@code io.resnetspark.spark.DevicePlacement}.
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

    @Override
    public String toString() {
        return kind == Kind.GPU ? "gpu:" + gpuIndex : kind.name().toLowerCase(Locale.ROOT);
    }
}
