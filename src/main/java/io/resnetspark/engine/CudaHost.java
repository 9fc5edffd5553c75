package io.resnetspark.engine;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a host offers a CUDA build of PyTorch, as the GPU preflight reads it. {@link #system()}
 * probes the real host; tests pass their own answers.
 *
 * <p>CUDA encodes versions as {@code 1000 * major + 10 * minor}: 11080 is 11.8, 12020 is 12.2.
 */
public interface CudaHost {

    /** The NVIDIA kernel module's version (e.g. {@code 535.104.05}), or empty when none is loaded. */
    Optional<String> driverVersion();

    /**
     * The newest CUDA version the user-space driver ({@code libcuda.so.1}) supports, or empty when
     * the driver library cannot be loaded.
     */
    OptionalInt driverCudaVersion();

    /**
     * The version of the system CUDA runtime ({@code libcudart.so}) that DJL finds through JNA to
     * decide whether the bundled CUDA library may be used, or empty when there is none.
     */
    OptionalInt runtimeVersion();

    /** GPUs that runtime sees (DJL's {@code CudaUtils.getGpuCount()}); 0 when it fails. */
    int visibleGpus();

    /** cuDNN's version (8906 is 8.9.6) when {@code libcudnn.so.8} loads, else empty. */
    OptionalInt cudnn8Version();

    /** This host. */
    static CudaHost system() {
        return SystemCudaHost.INSTANCE;
    }

    /** {@code 11.8} for 11080. */
    static String versionText(int cudaVersion) {
        return cudaVersion / 1000 + "." + (cudaVersion % 1000) / 10;
    }
}
