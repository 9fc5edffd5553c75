package io.resnetspark.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.resnetspark.model.ResNetArchitecture;
import io.resnetspark.model.ResNetModel;
import io.resnetspark.model.ResNetSpec;
import io.resnetspark.weights.NpyFormat;
import io.resnetspark.weights.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jobs/resnet end to end, as a separate process through the launcher script: outputs, exit codes
 * and one-line reasons. The launcher is given the test classpath so it does not rebuild.
 */
class ResNetCliTest {

    private static final Path PROJECT = Path.of(System.getProperty("user.dir"));

    @TempDir static Path dir;
    private static Path weights;
    private static Path input;

    /** A process's exit code and what it printed. */
    record Run(int exitCode, String stdout, String stderr) {}

    static Run resnet(String... args) throws IOException, InterruptedException {
        return resnetWithClasspath(System.getProperty("java.class.path"), args);
    }

    static Run resnetWithClasspath(String classpath, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(PROJECT.resolve("jobs/resnet").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("RESNET_SPARK_CLASSPATH", classpath);
        Path out = Files.createTempFile(dir, "stdout", ".txt");
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "jobs/resnet timed out");
        return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @BeforeAll
    static void prepare() throws Exception {
        weights = dir.resolve("w.safetensors");
        Run save = resnet("save", "--arch", "resnet18", "--num-classes", "7", "--seed", "11", "--output", weights.toString());
        assertEquals(0, save.exitCode(), save.stderr());
        assertTrue(save.stdout().contains("sha256:"), save.stdout());
        input = dir.resolve("x.npy");
        SplittableRandom random = new SplittableRandom(5);
        float[] values = new float[2 * 3 * 64 * 80];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        NpyFormat.write(input, new Tensor(new long[] {2, 3, 64, 80}, values, "F32"));
    }

    @Test
    void forwardWritesTheModelsLogits() throws Exception {
        Path output = dir.resolve("y.npy");
        Run run = resnet("forward", "--arch", "resnet18", "--num-classes", "7", "--weights", weights.toString(),
                "--input", input.toString(), "--output", output.toString());
        assertEquals(0, run.exitCode(), run.stderr());
        Tensor logits = NpyFormat.read(output);
        assertArrayEquals(new long[] {2, 7}, logits.shape());
        Tensor x = NpyFormat.read(input);
        try (ResNetModel model = ResNetModel.load(
                new ResNetSpec(ResNetArchitecture.RESNET18, 7, 3), weights, Device.cpu())) {
            assertArrayEquals(model.forward(x.values(), x.shape()).logits(), logits.values());
        }
    }

    @Test
    void withoutWeightsTheSeedDecides() throws Exception {
        Path seeded = dir.resolve("seeded.npy");
        Run run = resnet("forward", "--arch", "resnet18", "--num-classes", "7", "--seed", "11",
                "--input", input.toString(), "--output", seeded.toString());
        assertEquals(0, run.exitCode(), run.stderr());
        Path fromFile = dir.resolve("from-file.npy");
        assertEquals(0, resnet("forward", "--arch", "resnet18", "--num-classes", "7", "--weights", weights.toString(),
                "--input", input.toString(), "--output", fromFile.toString()).exitCode());
        assertArrayEquals(NpyFormat.read(fromFile).values(), NpyFormat.read(seeded).values());
    }

    @Test
    void badInputExitsNonZeroWithOneLineReason() throws Exception {
        Path output = dir.resolve("never.npy");
        Path truncated = dir.resolve("truncated.safetensors");
        byte[] whole = Files.readAllBytes(weights);
        Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length / 2));
        Path garbage = dir.resolve("garbage.safetensors");
        Files.write(garbage, "this is not a weights file at all".getBytes(StandardCharsets.US_ASCII));
        Path grayscale = dir.resolve("gray.npy");
        NpyFormat.write(grayscale, new Tensor(new long[] {1, 1, 64, 64}, new float[64 * 64], "F32"));

        expectFailure("unknown architecture 'resnet99'",
                "forward", "--arch", "resnet99", "--input", input.toString(), "--output", output.toString());
        expectFailure("file not found",
                "forward", "--arch", "resnet18", "--input", dir.resolve("missing.npy").toString(), "--output", output.toString());
        expectFailure("truncated",
                "forward", "--arch", "resnet18", "--num-classes", "7", "--weights", truncated.toString(),
                "--input", input.toString(), "--output", output.toString());
        expectFailure("header length",
                "forward", "--arch", "resnet18", "--weights", garbage.toString(),
                "--input", input.toString(), "--output", output.toString());
        expectFailure("the file holds resnet18(classes=7, inChannels=3) weights",
                "forward", "--arch", "resnet18", "--weights", weights.toString(),
                "--input", input.toString(), "--output", output.toString());
        expectFailure("got 1 channels",
                "forward", "--arch", "resnet18", "--input", grayscale.toString(), "--output", output.toString());
        expectFailure("Missing required option: '--output=Y.npy'",
                "forward", "--arch", "resnet18", "--input", input.toString());
        assertTrue(Files.notExists(output));
    }

    private static void expectFailure(String reason, String... args) throws Exception {
        Run run = resnet(args);
        assertEquals(2, run.exitCode(), () -> String.join(" ", args) + " -> " + run.stderr());
        assertTrue(run.stderr().contains(reason), () -> "expected '" + reason + "' in: " + run.stderr());
        assertTrue(!run.stderr().contains("Exception") && !run.stderr().contains("\tat "),
                () -> "a stack trace instead of a reason: " + run.stderr());
    }

    @Test
    void aMissingNativeLibraryNamesTheArtifactAndNeverDownloads() throws Exception {
        String withoutNative = java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(entry -> !entry.contains("pytorch-native"))
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
        Run run = resnetWithClasspath(withoutNative, "info", "--arch", "resnet18");
        assertEquals(1, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("ai.djl.pytorch:pytorch-native-cpu:2.0.1:linux-x86_64")
                && run.stderr().contains("-Pcu118"), run.stderr());
        assertTrue(!run.stderr().contains("Downloading"), run.stderr());
    }

    @Test
    void precisionIsCheckedBeforeAnyWork() throws Exception {
        expectFailure("precision bf16 is not supported: DJL's PyTorch engine aborts the JVM",
                "forward", "--arch", "resnet18", "--precision", "bf16", "--input", input.toString(), "--output",
                dir.resolve("never.npy").toString());
        expectFailure("precision fp16 needs a GPU",
                "info", "--arch", "resnet18", "--precision", "fp16", "--device", "cpu");
    }

    @Test
    void deviceGpuOnTheCpuBuildStopsAtOnceNamingTheBuild() throws Exception {
        long start = System.nanoTime();
        Run run = resnet("forward", "--arch", "resnet18", "--device", "gpu", "--input", input.toString(),
                "--output", dir.resolve("never.npy").toString());
        assertTrue(System.nanoTime() - start < 60e9);
        assertEquals(1, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("device=gpu:0 asks for a GPU, but the PyTorch engine sees no GPU: this is the CPU"
                + " build (pytorch-native-cpu); deploy the jar built with -Pcu118"), run.stderr());
        assertEquals(1, run.stderr().strip().lines().count(), run.stderr());
    }

    /**
     * The GPU build on this host, as DJL would meet it: the CPU native library replaced by one whose
     * pytorch.properties says cu118. The preflight probes the real host before DJL loads anything.
     */
    @Test
    void theGpuBuildOnAHostWithoutTheCudaStackNamesEachMissingPiece() throws Exception {
        Path fakeNative = dir.resolve("fake-cu118");
        Files.createDirectories(fakeNative.resolve("native/lib"));
        Files.writeString(fakeNative.resolve("native/lib/pytorch.properties"),
                "version=2.0.1-20230709\nflavor=cu118\nclassifier=linux-x86_64\nlibraries=libtorch.so\n");
        String gpuBuild = java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .map(entry -> entry.contains("pytorch-native-cpu") ? fakeNative.toString() : entry)
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
        Run run = resnetWithClasspath(gpuBuild, "info", "--arch", "resnet18", "--device", "cpu");
        assertEquals(1, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("the GPU build (pytorch-native-cu118) cannot start on this host (where no GPU"
                + " is wanted, deploy the CPU jar"), run.stderr());
        if (Files.notExists(Path.of("/proc/driver/nvidia/version"))) {
            assertTrue(run.stderr().contains("no NVIDIA driver (libcuda.so.1 cannot be loaded)"), run.stderr());
        }
        assertTrue(!run.stderr().contains("Downloading") && !run.stderr().contains("\tat "), run.stderr());
    }

    @Test
    void gpuCheckReportsNoGpuQuicklyWithItsExitCode() throws Exception {
        long start = System.nanoTime();
        Run run = resnet("gpu-check");
        assertTrue(System.nanoTime() - start < 60e9);
        assertEquals(3, run.exitCode(), run.stdout() + run.stderr());
        for (String line : List.of("build:          pytorch-native-cpu", "NVIDIA driver:", "CUDA runtime:", "cuDNN 8:",
                "visible GPUs:", "TF32:", "result:         no GPU: this is the CPU build (pytorch-native-cpu)")) {
            assertTrue(run.stdout().contains(line), line + " missing from: " + run.stdout());
        }
    }

    @Test
    void helpListsEveryOption() throws Exception {
        Run run = resnet("forward", "--help");
        assertEquals(0, run.exitCode());
        for (String option : List.of("--arch", "--num-classes", "--in-channels", "--weights", "--input", "--output",
                "--seed", "--device", "--precision", "--threads", "--features")) {
            assertTrue(run.stdout().contains(option), option + " missing from: " + run.stdout());
        }
    }
}
