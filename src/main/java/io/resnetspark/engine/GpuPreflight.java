package io.resnetspark.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * Whether a host can run the CUDA 11.8 build, checked before the engine loads, with one sentence
 * per missing piece that says what to install. The checks follow what DJL 0.25 and PyTorch 2.0.1
 * need:
 *
 * <ul>
 *   <li>the NVIDIA driver ({@code libcuda.so.1}) for CUDA 11.8 or newer;
 *   <li>a system CUDA runtime ({@code libcudart.so}) of 11.8 or newer that sees a GPU: DJL's
 *       {@code Platform.fromSystem} names the host's flavor {@code cu<runtime version>} only when
 *       {@code CudaUtils.getGpuCount() > 0}, and {@code Platform.matches} accepts the bundled
 *       cu118 library only when that version is at least 11.8; otherwise DJL ignores the jar and
 *       tries to download a library;
 *   <li>cuDNN 8 ({@code libcudnn.so.8}), which {@code libtorch_cuda.so} links against and the cu118
 *       jar does not contain.
 * </ul>
 */
public final class GpuPreflight {

    /** CUDA 11.8, the version of the bundled library. */
    static final int CUDA_11_8 = 11080;
    /** The first Linux driver of CUDA 11.8 (NVIDIA's CUDA 11.8 release notes, table 3). */
    static final String DRIVER_FOR_11_8 = "520.61.05";
    private static final String CUDNN_FIX = "install cuDNN 8 for CUDA 11 (Debian/Ubuntu: libcudnn8) or base the"
            + " executor image on nvidia/cuda:11.8.0-cudnn8-runtime";
    private static final String RUNTIME_FIX = "install the CUDA 11.8 runtime (cuda-cudart-11-8) on the library path,"
            + " or base the executor image on nvidia/cuda:11.8.0-cudnn8-runtime";

    private GpuPreflight() {}

    /** Every piece the host lacks, one sentence each naming the fix; empty when it can run the GPU build. */
    public static List<String> problems(CudaHost host) {
        List<String> problems = new ArrayList<>();
        OptionalInt driver = host.driverCudaVersion();
        if (driver.isEmpty()) {
            problems.add("no NVIDIA driver (libcuda.so.1 cannot be loaded): install the NVIDIA driver "
                    + DRIVER_FOR_11_8 + " or newer on the host, and in containers run with NVIDIA's container"
                    + " toolkit and a GPU request");
        } else if (driver.getAsInt() < CUDA_11_8) {
            problems.add("the NVIDIA driver " + host.driverVersion().orElse("") + " supports CUDA "
                    + CudaHost.versionText(driver.getAsInt()) + " only: install driver " + DRIVER_FOR_11_8
                    + " or newer for CUDA 11.8");
        }
        OptionalInt runtime = host.runtimeVersion();
        if (runtime.isEmpty()) {
            problems.add("no CUDA runtime (libcudart.so): DJL needs a system CUDA runtime 11.8 or newer to accept"
                    + " pytorch-native-cu118; " + RUNTIME_FIX);
        } else if (runtime.getAsInt() < CUDA_11_8) {
            problems.add("the system CUDA runtime is " + CudaHost.versionText(runtime.getAsInt())
                    + ", older than 11.8, so DJL ignores pytorch-native-cu118; " + RUNTIME_FIX);
        } else if (driver.isPresent() && host.visibleGpus() == 0) {
            if (runtime.getAsInt() > driver.getAsInt()) {
                problems.add("the system CUDA runtime " + CudaHost.versionText(runtime.getAsInt())
                        + " is newer than the driver supports (CUDA " + CudaHost.versionText(driver.getAsInt())
                        + "), so it sees no GPU; " + RUNTIME_FIX + ", or upgrade the driver");
            } else {
                problems.add("the CUDA runtime sees no GPU (CUDA_VISIBLE_DEVICES="
                        + String.valueOf(System.getenv("CUDA_VISIBLE_DEVICES")) + "): check the executor's GPU"
                        + " request (spark.executor.resource.gpu.amount, the container's GPU limit) and"
                        + " nvidia-smi on the host");
            }
        }
        if (host.cudnn8Version().isEmpty()) {
            problems.add("cuDNN 8 is missing (libcudnn.so.8 cannot be loaded, and pytorch-native-cu118 does not"
                    + " include it): " + CUDNN_FIX);
        }
        return problems;
    }

    /**
     * Fails when the host cannot run the GPU build.
     *
     * @param context what needs the GPU, e.g. "the GPU build (pytorch-native-cu118) cannot start"
     * @throws GpuUnavailableException one line: the context and every missing piece with its fix
     */
    public static void require(CudaHost host, String context) {
        List<String> problems = problems(host);
        if (!problems.isEmpty()) {
            throw new GpuUnavailableException(context + ": " + String.join("; ", problems));
        }
    }

    /** Driver, runtime, cuDNN and GPUs as the host reports them, one line each. */
    public static List<String> describe(CudaHost host) {
        List<String> lines = new ArrayList<>();
        lines.add("NVIDIA driver:  " + host.driverVersion().orElse("none")
                + host.driverCudaVersion().stream().mapToObj(v -> " (supports CUDA " + CudaHost.versionText(v) + ")")
                        .findFirst().orElse(" (libcuda.so.1 not loadable)"));
        lines.add("CUDA runtime:   " + host.runtimeVersion().stream().mapToObj(CudaHost::versionText).findFirst()
                .orElse("none") + " (system libcudart.so, what DJL checks)");
        lines.add("cuDNN 8:        " + host.cudnn8Version().stream()
                .mapToObj(v -> String.format(Locale.ROOT, "%d.%d.%d", v / 1000, (v % 1000) / 100, v % 100))
                .findFirst().orElse("none (libcudnn.so.8 not loadable)"));
        lines.add("visible GPUs:   " + host.visibleGpus() + " (CUDA_VISIBLE_DEVICES="
                + String.valueOf(System.getenv("CUDA_VISIBLE_DEVICES")) + ")");
        return lines;
    }
}
