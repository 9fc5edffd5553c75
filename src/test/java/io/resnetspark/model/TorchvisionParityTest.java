package io.resnetspark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.resnetspark.testing.Float64Npy;
import io.resnetspark.testing.ReferencePython;
import io.resnetspark.weights.NpyFormat;
import io.resnetspark.weights.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java network against torchvision on the same seeded weights (BatchNorm statistics and affine
 * parameters randomised, so wiring mistakes show) and the same input, produced in this test run by
 * src/test/python/make_reference.py.
 *
 * <p>Judged as numerical libraries judge a float32 kernel: against torchvision's float64 run, the
 * Java logits may err by at most max(1e-3, 3 x torchvision float32's own error); and they must be
 * within 2e-3 of torchvision float32.
 */
class TorchvisionParityTest {

    private static final double ABSOLUTE_FLOOR = 1e-3;
    private static final double F32_TOLERANCE = 2e-3;
    private static final List<String> REPORT = new ArrayList<>();

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (ResNetArchitecture arch : ResNetArchitecture.values()) {
            cases.add(Arguments.of(arch, 1, 224, 224));
            cases.add(Arguments.of(arch, 4, 224, 224));
            cases.add(Arguments.of(arch, 4, 160, 200));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} batch {1} {2}x{3}")
    @MethodSource("cases")
    void logitsMatchTorchvision(ResNetArchitecture arch, int batch, int height, int width, @TempDir Path dir)
            throws Exception {
        ReferencePython.runScript(
                "src/test/python/make_reference.py",
                "--arch", arch.modelName(),
                "--num-classes", "1000",
                "--seed", Integer.toString(batch * 1000 + height + width),
                "--batch", Integer.toString(batch),
                "--height", Integer.toString(height),
                "--width", Integer.toString(width),
                "--out-dir", dir.toString());
        Tensor input = NpyFormat.read(dir.resolve("input.npy"));
        float[] f32 = NpyFormat.read(dir.resolve("logits_f32.npy")).values();
        double[] f64 = Float64Npy.read(dir.resolve("logits_f64.npy"));
        float[] referenceFeatures = NpyFormat.read(dir.resolve("features_f32.npy")).values();

        InferenceResult result;
        try (ResNetModel model = ResNetModel.load(ResNetSpec.imagenet(arch), dir.resolve("weights.safetensors"), Device.cpu())) {
            result = model.forward(input.values(), input.shape());
        }

        assertArrayEquals(new long[] {batch, 1000}, new long[] {result.batchSize(), result.numClasses()});
        double javaVsF64 = maxAbsDiff(result.logits(), f64);
        double torchF32VsF64 = maxAbsDiff(f32, f64);
        double javaVsF32 = maxAbsDiff(result.logits(), f32);
        double bound = Math.max(ABSOLUTE_FLOOR, 3 * torchF32VsF64);
        double featureScale = Math.max(1.0, maxAbs(referenceFeatures));
        double featuresVsF32 = maxAbsDiff(result.features(), referenceFeatures) / featureScale;
        REPORT.add(String.format(Locale.ROOT,
                "| %-9s | %d | %dx%d | %.2f | %.2e | %.2e | %.2e | %.2e |",
                arch, batch, height, width, maxAbs(f64), javaVsF64, torchF32VsF64, javaVsF32, featuresVsF32));

        assertTrue(javaVsF64 <= bound, () -> String.format(Locale.ROOT,
                "%s: |java - torch f64| = %.3e exceeds max(1e-3, 3 x %.3e)", arch, javaVsF64, torchF32VsF64));
        assertTrue(javaVsF32 <= F32_TOLERANCE, () -> String.format(Locale.ROOT,
                "%s: |java - torch f32| = %.3e exceeds %.1e", arch, javaVsF32, F32_TOLERANCE));
        assertTrue(featuresVsF32 <= F32_TOLERANCE, () -> String.format(Locale.ROOT,
                "%s: pooled features differ from torchvision's by %.3e (relative)", arch, featuresVsF32));
    }

    @AfterAll
    static void writeReport() throws Exception {
        List<String> lines = new ArrayList<>();
        lines.add("| arch | batch | input | max abs logit | java vs f64 | torch f32 vs f64 | java vs torch f32 | features (rel) |");
        lines.add("|---|---|---|---|---|---|---|---|");
        lines.addAll(REPORT);
        Path report = Path.of("target", "parity-report.md");
        Files.createDirectories(report.getParent());
        Files.write(report, lines);
        lines.forEach(System.out::println);
    }

    static double maxAbsDiff(float[] a, double[] b) {
        assertArrayEquals(new int[] {a.length}, new int[] {b.length}, "element counts differ");
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    static double maxAbs(double[] a) {
        double max = 0;
        for (double v : a) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertArrayEquals(new int[] {a.length}, new int[] {b.length}, "element counts differ");
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }

    static double maxAbs(float[] a) {
        double max = 0;
        for (float v : a) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }
}
