package io.resnetspark.spark;

import ai.djl.Device;
import io.resnetspark.engine.DeviceChoice;
import java.util.Optional;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * Decides the device of an executor's model from the user's choice and what Spark assigned.
 *
 * <p>With GPU scheduling on ({@code spark.executor.resource.gpu.amount},
 * {@code spark.task.resource.gpu.amount}), Spark hands each task the addresses of its GPU; the
 * model must go there, not to GPU 0, or executors sharing a host all pile onto one card. Without
 * an assignment the first visible GPU is used for {@code gpu}, and {@code auto} falls back to the
 * CPU when the engine sees no GPU at all.
 */
public final class DevicePlacement {

    /** Spark's resource name for GPUs. */
    public static final String GPU_RESOURCE = "gpu";

    private DevicePlacement() {}

    /** The first GPU address Spark assigned to the running task, if any. */
    public static Optional<String> assignedGpu(TaskContext task) {
        if (task == null || !task.resources().contains(GPU_RESOURCE)) {
            return Optional.empty();
        }
        ResourceInformation gpu = task.resources().apply(GPU_RESOURCE);
        String[] addresses = gpu.addresses();
        return addresses.length == 0 ? Optional.empty() : Optional.of(addresses[0]);
    }

    /**
     * The device for a model.
     *
     * @param choice what the user asked for
     * @param assignedGpu the address Spark assigned to the task (a CUDA ordinal), if any
     * @param visibleGpus GPUs the engine can use (0 for a CPU build)
     * @throws IllegalStateException when a GPU is required but none can be used, or Spark assigned
     *     an address the engine cannot see
     */
    public static Device resolve(DeviceChoice choice, Optional<String> assignedGpu, int visibleGpus) {
        switch (choice.kind()) {
            case CPU:
                return Device.cpu();
            case AUTO:
                if (visibleGpus == 0) {
                    return Device.cpu();
                }
                return Device.gpu(assignedGpu.map(a -> ordinal(a, visibleGpus)).orElse(0));
            default:
                if (visibleGpus == 0) {
                    throw new IllegalStateException(
                            "device=gpu but the PyTorch engine sees no GPU (a CPU build, or no CUDA"
                                    + " device visible); build the GPU jar with -Pcu118 or use device=auto");
                }
                int ordinal = assignedGpu.map(a -> ordinal(a, visibleGpus)).orElse(choice.gpuIndex());
                if (ordinal >= visibleGpus) {
                    throw new IllegalStateException(
                            "GPU " + ordinal + " was requested but the engine sees " + visibleGpus + " GPU(s)");
                }
                return Device.gpu(ordinal);
        }
    }

    private static int ordinal(String address, int visibleGpus) {
        int ordinal;
        try {
            ordinal = Integer.parseInt(address.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException(
                    "Spark assigned GPU address '" + address + "', which is not a CUDA device ordinal;"
                            + " the GPU discovery script must report ordinals (0, 1, ...)");
        }
        if (ordinal < 0 || ordinal >= visibleGpus) {
            throw new IllegalStateException(
                    "Spark assigned GPU " + ordinal + " but the engine sees " + visibleGpus + " GPU(s);"
                            + " check the discovery script and CUDA_VISIBLE_DEVICES");
        }
        return ordinal;
    }
}
