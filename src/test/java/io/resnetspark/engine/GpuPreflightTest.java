package io.resnetspark.engine;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * Every preflight message, from injected host answers, and the real probes of this host against
 * what the file system independently says about it.
 */
class GpuPreflightTest {

    /** A host as the probes would report it. */
    record Host(Optional<String> driverVersion, OptionalInt driverCudaVersion, OptionalInt runtimeVersion,
            int visibleGpus, OptionalInt cudnn8Version) implements CudaHost {}

    private static final Host READY = new Host(Optional.of("535.104.05"), OptionalInt.of(12020),
            OptionalInt.of(11080), 2, OptionalInt.of(8906));

    private static String onlyProblem(Host host) {
        List<String> problems = GpuPreflight.problems(host);
        assertEquals(1, problems.size(), problems.toString());
        return problems.get(0);
    }

    @Test
    void aCompleteHostPasses() {
        assertEquals(List.of(), GpuPreflight.problems(READY));
        assertDoesNotThrow(() -> GpuPreflight.require(READY, "test"));
    }

    @Test
    void noDriverNamesTheDriverAndTheContainerToolkit() {
        String problem = onlyProblem(new Host(Optional.empty(), OptionalInt.empty(), OptionalInt.of(11080), 0,
                OptionalInt.of(8906)));
        assertTrue(problem.startsWith("no NVIDIA driver (libcuda.so.1 cannot be loaded)"), problem);
        assertTrue(problem.contains("520.61.05") && problem.contains("container toolkit"), problem);
    }

    @Test
    void aDriverTooOldForCuda118NamesItsCudaVersion() {
        List<String> problems = GpuPreflight.problems(new Host(Optional.of("470.82.01"), OptionalInt.of(11040),
                OptionalInt.of(11080), 0, OptionalInt.of(8906)));
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("470.82.01 supports CUDA 11.4 only") && problems.get(0).contains("520.61.05"),
                problems.toString());
        // The runtime then cannot talk to the driver either, which is why it sees no GPU.
        assertTrue(problems.get(1).contains("runtime 11.8 is newer than the driver supports (CUDA 11.4)"),
                problems.toString());
    }

    @Test
    void noCudaRuntimeSaysDjlNeedsOneAndWhereToGetIt() {
        String problem = onlyProblem(new Host(READY.driverVersion(), READY.driverCudaVersion(), OptionalInt.empty(),
                0, READY.cudnn8Version()));
        assertTrue(problem.startsWith("no CUDA runtime (libcudart.so)"), problem);
        assertTrue(problem.contains("cuda-cudart-11-8") && problem.contains("nvidia/cuda:11.8.0-cudnn8-runtime"), problem);
    }

    @Test
    void aRuntimeOlderThan118IsNamed() {
        String problem = onlyProblem(new Host(READY.driverVersion(), READY.driverCudaVersion(), OptionalInt.of(11070),
                1, READY.cudnn8Version()));
        assertTrue(problem.contains("system CUDA runtime is 11.7, older than 11.8"), problem);
    }

    @Test
    void aRuntimeNewerThanTheDriverSeesNoGpu() {
        String problem = onlyProblem(new Host(READY.driverVersion(), OptionalInt.of(12020), OptionalInt.of(13000), 0,
                READY.cudnn8Version()));
        assertTrue(problem.contains("runtime 13.0 is newer than the driver supports (CUDA 12.2)"), problem);
    }

    @Test
    void noVisibleGpuPointsAtTheGpuRequest() {
        String problem = onlyProblem(new Host(READY.driverVersion(), READY.driverCudaVersion(),
                READY.runtimeVersion(), 0, READY.cudnn8Version()));
        assertTrue(problem.contains("sees no GPU") && problem.contains("spark.executor.resource.gpu.amount"), problem);
    }

    @Test
    void missingCudnnSaysTheJarDoesNotShipIt() {
        String problem = onlyProblem(new Host(READY.driverVersion(), READY.driverCudaVersion(),
                READY.runtimeVersion(), 2, OptionalInt.empty()));
        assertTrue(problem.startsWith("cuDNN 8 is missing (libcudnn.so.8 cannot be loaded"), problem);
        assertTrue(problem.contains("does not include it") && problem.contains("libcudnn8"), problem);
    }

    @Test
    void everyMissingPieceIsInOneLine() {
        Host bare = new Host(Optional.empty(), OptionalInt.empty(), OptionalInt.empty(), 0, OptionalInt.empty());
        GpuUnavailableException e = assertThrows(GpuUnavailableException.class,
                () -> GpuPreflight.require(bare, "the GPU build cannot start"));
        assertTrue(e.getMessage().startsWith("the GPU build cannot start: no NVIDIA driver"), e.getMessage());
        assertTrue(e.getMessage().contains("; no CUDA runtime") && e.getMessage().contains("; cuDNN 8 is missing"),
                e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }

    /**
     * The real probes on this machine, checked against independent evidence: the kernel module's
     * version file, and the CUDA runtime and cuDNN libraries in the dynamic linker's cache.
     */
    @Test
    void theRealProbesAgreeWithTheFileSystem() throws Exception {
        CudaHost host = CudaHost.system();
        boolean kernelModule = Files.exists(Path.of("/proc/driver/nvidia/version"));
        assertEquals(kernelModule, host.driverVersion().isPresent());
        String linkerCache = new String(new ProcessBuilder("ldconfig", "-p").start().getInputStream().readAllBytes());
        assertEquals(linkerCache.contains("libcudnn.so.8 "), host.cudnn8Version().isPresent(), linkerCache);
        if (!linkerCache.contains("libcudart.so ")) {
            assertTrue(host.runtimeVersion().isEmpty());
        }
        if (!kernelModule) {
            // No GPU without a driver: the preflight must say so, whatever else the host has.
            assertEquals(0, host.visibleGpus());
            List<String> problems = GpuPreflight.problems(host);
            assertTrue(problems.get(0).startsWith("no NVIDIA driver"), problems.toString());
            assertEquals(!linkerCache.contains("libcudnn.so.8 "),
                    problems.stream().anyMatch(p -> p.startsWith("cuDNN 8 is missing")), problems.toString());
        }
        List<String> report = GpuPreflight.describe(host);
        assertEquals(4, report.size());
        assertTrue(report.get(1).startsWith("CUDA runtime:   " + host.runtimeVersion().stream()
                .mapToObj(CudaHost::versionText).findFirst().orElse("none")), report.toString());
    }
}
