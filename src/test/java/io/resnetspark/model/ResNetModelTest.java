package io.resnetspark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.resnetspark.weights.Tensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The model's contract on the engine: weights in and out, strict loading, input checks, memory. */
class ResNetModelTest {

    private static final ResNetSpec SPEC = new ResNetSpec(ResNetArchitecture.RESNET18, 10, 3);
    private static ResNetModel model;

    @BeforeAll
    static void load() {
        model = ResNetModel.seeded(SPEC, 42, Device.cpu());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static float[] randomInput(long[] shape, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[Math.toIntExact(shape[0] * shape[1] * shape[2] * shape[3])];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    @Test
    void seededWeightsAreReproducibleAndSeedDependent() {
        long[] shape = {2, 3, 64, 64};
        float[] input = randomInput(shape, 1);
        float[] first = model.forward(input, shape).logits();
        try (ResNetModel same = ResNetModel.seeded(SPEC, 42, Device.cpu());
                ResNetModel other = ResNetModel.seeded(SPEC, 43, Device.cpu())) {
            assertArrayEquals(first, same.forward(input, shape).logits());
            assertNotEquals(first[0], other.forward(input, shape).logits()[0]);
        }
        assertEquals("seed:42", model.weightsFingerprint());
    }

    @Test
    void batchRowsAreIndependent() {
        long[] shape = {3, 3, 48, 56};
        float[] input = randomInput(shape, 2);
        InferenceResult batch = model.forward(input, shape);
        int rowSize = 3 * 48 * 56;
        for (int row = 0; row < 3; row++) {
            float[] single = java.util.Arrays.copyOfRange(input, row * rowSize, (row + 1) * rowSize);
            InferenceResult alone = model.forward(single, new long[] {1, 3, 48, 56});
            assertArrayEquals(alone.logitsOf(0), batch.logitsOf(row), 1e-4f);
            assertArrayEquals(alone.featuresOf(0), batch.featuresOf(row), 1e-4f);
        }
        assertEquals(512, batch.featureSize());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"weights.safetensors", "weights.npz"})
    void savedWeightsLoadBackToTheSameLogits(String fileName, @TempDir Path dir) throws Exception {
        Path file = dir.resolve(fileName);
        model.save(file);
        long[] shape = {1, 3, 64, 64};
        float[] input = randomInput(shape, 3);
        try (ResNetModel loaded = ResNetModel.load(SPEC, file, Device.cpu())) {
            assertArrayEquals(model.forward(input, shape).logits(), loaded.forward(input, shape).logits());
            assertTrue(loaded.weightsFingerprint().matches("sha256:[0-9a-f]{64}"));
        }
    }

    @Test
    void everyOffendingKeyIsListedWithShapes() {
        Map<String, Tensor> stateDict = new LinkedHashMap<>(model.stateDict());
        stateDict.remove("layer3.1.bn2.running_var");
        stateDict.remove("fc.bias");
        stateDict.put("layer5.0.conv1.weight", new Tensor(new long[] {2}, new float[2], "F32"));
        stateDict.put("fc.weight", new Tensor(new long[] {1000, 512}, new float[512_000], "F32"));
        IncompatibleWeightsException e = assertThrows(IncompatibleWeightsException.class,
                () -> ResNetModel.fromStateDict(SPEC, stateDict, true, Device.cpu(), "test"));
        String message = e.getMessage();
        assertTrue(message.contains("4 problems"), message);
        assertTrue(message.contains("missing key layer3.1.bn2.running_var (expected shape (256))"), message);
        assertTrue(message.contains("missing key fc.bias (expected shape (10))"), message);
        assertTrue(message.contains("unexpected key layer5.0.conv1.weight (shape (2))"), message);
        assertTrue(message.contains("shape mismatch for fc.weight: expected (10, 512), file has (1000, 512)"), message);
    }

    @Test
    void batchCountersAreAcceptedAndIgnored() {
        Map<String, Tensor> stateDict = new LinkedHashMap<>(model.stateDict());
        stateDict.put("bn1.num_batches_tracked", new Tensor(new long[0], new float[] {7}, "I64"));
        stateDict.put("layer1.0.bn2.num_batches_tracked", new Tensor(new long[0], new float[] {7}, "I64"));
        try (ResNetModel loaded = ResNetModel.fromStateDict(SPEC, stateDict, true, Device.cpu(), "test")) {
            assertEquals(model.parameterCount(), loaded.parameterCount());
        }
        stateDict.put("nothere.num_batches_tracked", new Tensor(new long[0], new float[] {7}, "I64"));
        IncompatibleWeightsException e = assertThrows(IncompatibleWeightsException.class,
                () -> ResNetModel.fromStateDict(SPEC, stateDict, true, Device.cpu(), "test"));
        assertTrue(e.getMessage().contains("unexpected key nothere.num_batches_tracked"), e.getMessage());
    }

    @Test
    void nonStrictLoadingToleratesExtraKeysButNotShapes() {
        Map<String, Tensor> stateDict = new LinkedHashMap<>(model.stateDict());
        stateDict.put("aux.weight", new Tensor(new long[] {1}, new float[1], "F32"));
        try (ResNetModel loaded = ResNetModel.fromStateDict(SPEC, stateDict, false, Device.cpu(), "test")) {
            assertEquals(SPEC, loaded.spec());
        }
        stateDict.put("fc.bias", new Tensor(new long[] {11}, new float[11], "F32"));
        assertThrows(IncompatibleWeightsException.class,
                () -> ResNetModel.fromStateDict(SPEC, stateDict, false, Device.cpu(), "test"));
    }

    @Test
    void wrongInputShapesNameTheExpectedShape() {
        IllegalArgumentException rank = assertThrows(IllegalArgumentException.class,
                () -> model.forward(new float[3 * 64 * 64], new long[] {3, 64, 64}));
        assertTrue(rank.getMessage().contains("rank 4 (N x 3 x H x W"), rank.getMessage());
        IllegalArgumentException channels = assertThrows(IllegalArgumentException.class,
                () -> model.forward(new float[64 * 64], new long[] {1, 1, 64, 64}));
        assertTrue(channels.getMessage().contains("got 1 channels"), channels.getMessage());
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> model.forward(new float[3 * 16 * 64], new long[] {1, 3, 16, 64}));
        assertTrue(small.getMessage().contains("H, W >= 32"), small.getMessage());
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                () -> model.forward(new float[10], new long[] {1, 3, 64, 64}));
        assertTrue(count.getMessage().contains("needs 12288"), count.getMessage());
    }

    @Test
    void emptyBatchGivesEmptyOutput() {
        InferenceResult result = model.forward(new float[0], new long[] {0, 3, 224, 224});
        assertEquals(0, result.batchSize());
        assertEquals(0, result.logits().length);
    }

    @Test
    void forwardLeavesNoNativeArraysBehind() {
        int before = model.residentArrayCount();
        long[] shape = {2, 3, 64, 64};
        float[] input = randomInput(shape, 4);
        for (int i = 0; i < 20; i++) {
            model.forward(input, shape);
        }
        assertEquals(before, model.residentArrayCount());
    }
}
