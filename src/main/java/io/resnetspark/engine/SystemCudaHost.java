package io.resnetspark.engine;

import ai.djl.util.cuda.CudaUtils;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real host's CUDA pieces, probed the way the engine will meet them: the CUDA runtime through
 * DJL's own {@link CudaUtils} (JNA's {@code libcudart.so}, what DJL 0.25's
 * {@code Platform.fromSystem} reads to pick the bundled CUDA library), the driver and cuDNN by
 * loading the exact libraries PyTorch links against ({@code libcuda.so.1}, {@code libcudnn.so.8}).
 */
final class SystemCudaHost implements CudaHost {

    static final SystemCudaHost INSTANCE = new SystemCudaHost();

    private static final Path KERNEL_MODULE_VERSION = Path.of("/proc/driver/nvidia/version");
    private static final Pattern MODULE_VERSION = Pattern.compile("Kernel Module\\s+(\\S+)");

    /** The driver API calls the probe needs. */
    interface CudaDriver extends Library {
        int cuDriverGetVersion(int[] version);
    }

    /** cuDNN's version call; {@code size_t} is 64 bits on linux-x86_64, the only platform built. */
    interface Cudnn extends Library {
        long cudnnGetVersion();
    }

    private SystemCudaHost() {}

    @Override
    public Optional<String> driverVersion() {
        try {
            Matcher m = MODULE_VERSION.matcher(Files.readString(KERNEL_MODULE_VERSION));
            return m.find() ? Optional.of(m.group(1)) : Optional.of("unknown");
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    @Override
    public OptionalInt driverCudaVersion() {
        try {
            int[] version = new int[1];
            int status = Native.load("libcuda.so.1", CudaDriver.class).cuDriverGetVersion(version);
            return status == 0 ? OptionalInt.of(version[0]) : OptionalInt.empty();
        } catch (UnsatisfiedLinkError e) {
            return OptionalInt.empty();
        }
    }

    @Override
    public OptionalInt runtimeVersion() {
        try {
            return OptionalInt.of(CudaUtils.getCudaVersion());
        } catch (IllegalStateException | ai.djl.engine.EngineException e) {
            return OptionalInt.empty(); // "No cuda library is loaded." or a failing call
        }
    }

    @Override
    public int visibleGpus() {
        return CudaUtils.getGpuCount();
    }

    @Override
    public OptionalInt cudnn8Version() {
        try {
            return OptionalInt.of((int) Native.load("libcudnn.so.8", Cudnn.class).cudnnGetVersion());
        } catch (UnsatisfiedLinkError e) {
            return OptionalInt.empty();
        }
    }
}
