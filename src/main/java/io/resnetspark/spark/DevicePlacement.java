package io.resnetspark.spark;

import ai.djl.Device;
import io.resnetspark.engine.DeviceChoice;
import io.resnetspark.engine.GpuUnavailableException;
import io.resnetspark.engine.NativeBuild;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * Decides the device of an executor's model from the user's choice and what Spark assigned: the one
 * device resolver of the project (the command line uses it with no assignment).
 *
 * <p>With GPU scheduling on ({@code spark.executor.resource.gpu.amount},
 * {@code spark.task.resource.gpu.amount}), Spark hands each task the addresses of its GPU; the
 * model must go there, not to GPU 0, or executors sharing a host all pile onto one card. Spark's
 * addresses are what the discovery script printed (physical indices, or UUIDs); when the
 * executor runs with {@code CUDA_VISIBLE_DEVICES}, CUDA numbers only the GPUs listed there, in that
 * order, so the address is looked up in that list. A GPU that is asked for, by {@code device=gpu}
 * or by Spark's assignment under {@code auto}, and cannot be used is an error, never a silent CPU
 * run: {@code auto} scores on the CPU only when Spark assigned no GPU and the engine sees none.
 */
public final class DevicePlacement {

    /** Spark's resource name for GPUs. */
    public static final String GPU_RESOURCE = "gpu";
    /** The variable that makes CUDA see (and number) only the GPUs it lists. */
    public static final String CUDA_VISIBLE_DEVICES = "CUDA_VISIBLE_DEVICES";

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

    /** {@link #resolve(DeviceChoice, Optional, int, String)} with this process's CUDA_VISIBLE_DEVICES. */
    public static Device resolve(DeviceChoice choice, Optional<String> assignedGpu, int visibleGpus) {
        return resolve(choice, assignedGpu, visibleGpus, System.getenv(CUDA_VISIBLE_DEVICES));
    }

    /**
     * The device for a model.
     *
     * @param choice what the user asked for
     * @param assignedGpu the address Spark assigned to the task, if any
     * @param visibleGpus GPUs the engine can use (0 for the CPU build)
     * @param cudaVisibleDevices the executor's CUDA_VISIBLE_DEVICES, or null when unset
     * @throws GpuUnavailableException when a GPU is asked for but none can be used
     * @throws IllegalStateException when Spark assigned an address the engine cannot see
     */
    public static Device resolve(DeviceChoice choice, Optional<String> assignedGpu, int visibleGpus,
            String cudaVisibleDevices) {
        if (choice.kind() == DeviceChoice.Kind.CPU) {
            return Device.cpu();
        }
        boolean gpuAsked = choice.kind() == DeviceChoice.Kind.GPU || assignedGpu.isPresent();
        if (visibleGpus == 0) {
            if (!gpuAsked) {
                return Device.cpu();
            }
            String who = assignedGpu.map(a -> "Spark assigned GPU " + a + " to this task (device=" + choice + ")")
                    .orElse("device=" + choice + " asks for a GPU");
            throw new GpuUnavailableException(who + ", but the PyTorch engine sees no GPU: " + buildHint()
                    + ", or use device=cpu");
        }
        int ordinal = assignedGpu.map(a -> cudaOrdinal(a, cudaVisibleDevices, visibleGpus))
                .orElse(choice.kind() == DeviceChoice.Kind.GPU ? choice.gpuIndex() : 0);
        if (ordinal >= visibleGpus) {
            throw new GpuUnavailableException(
                    "GPU " + ordinal + " was requested but the engine sees " + visibleGpus + " GPU(s)");
        }
        return Device.gpu(ordinal);
    }

    /**
     * Refuses {@code device=gpu} or {@code gpu:N} with the CPU build before any task starts: every
     * executor runs the driver's jar, so none could serve it.
     *
     * @throws GpuUnavailableException with the same reason an executor would give
     */
    static void requireBuildServes(DeviceChoice choice) {
        if (choice.kind() == DeviceChoice.Kind.GPU && !NativeBuild.onClasspath().isCuda()) {
            resolve(choice, Optional.empty(), 0, null);
        }
    }

    private static String buildHint() {
        if (NativeBuild.onClasspath() == NativeBuild.CPU) {
            return "this is the CPU build (" + NativeBuild.CPU.artifact() + "); deploy the jar built with -Pcu118 ("
                    + NativeBuild.CUDA_118.artifact() + ")";
        }
        return "check the executor's GPU request and CUDA_VISIBLE_DEVICES (jobs/gpu-check on the host)";
    }

    /**
     * The CUDA device ordinal of a GPU address Spark assigned: its position in CUDA_VISIBLE_DEVICES
     * when that is set, else the address itself, which must then be an ordinal.
     */
    static int cudaOrdinal(String address, String cudaVisibleDevices, int visibleGpus) {
        String wanted = address.trim();
        int ordinal;
        if (cudaVisibleDevices != null) {
            List<String> listed = Arrays.stream(cudaVisibleDevices.split(",")).map(String::trim)
                    .filter(s -> !s.isEmpty()).collect(Collectors.toList());
            ordinal = listed.indexOf(wanted);
            if (ordinal < 0) {
                throw new IllegalStateException("Spark assigned GPU '" + address + "', which " + CUDA_VISIBLE_DEVICES
                        + "=" + cudaVisibleDevices + " does not list; the discovery script must report the GPUs the"
                        + " executor's " + CUDA_VISIBLE_DEVICES + " exposes");
            }
        } else {
            try {
                ordinal = Integer.parseInt(wanted);
            } catch (NumberFormatException e) {
                throw new IllegalStateException(
                        "Spark assigned GPU address '" + address + "', which is not a CUDA device ordinal;"
                                + " the GPU discovery script must report ordinals (0, 1, ...), or the executor"
                                + " must list the addresses in " + CUDA_VISIBLE_DEVICES);
            }
        }
        if (ordinal < 0 || ordinal >= visibleGpus) {
            throw new IllegalStateException(
                    "Spark assigned GPU " + address + " (CUDA ordinal " + ordinal + ") but the engine sees "
                            + visibleGpus + " GPU(s); check the discovery script and " + CUDA_VISIBLE_DEVICES);
        }
        return ordinal;
    }
}
