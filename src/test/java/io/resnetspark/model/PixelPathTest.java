package io.resnetspark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.resnetspark.engine.PyTorchRuntime;
import io.resnetspark.image.PreprocessConfig;
import io.resnetspark.image.Preprocessor;
import io.resnetspark.image.RgbImage;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * uint8 pixels into the engine: the engine's ToTensor + Normalize equals the host preprocessor's
 * floats bit for bit, so the logits equal the float path's; and the precision rules.
 */
class PixelPathTest {

    private static final ResNetSpec SPEC = new ResNetSpec(ResNetArchitecture.RESNET18, 10, 3);
    private static ResNetModel model;

    @BeforeAll
    static void load() {
        model = ResNetModel.seeded(SPEC, 7, Device.cpu());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static RgbImage randomImage(int width, int height, long seed) {
        byte[] pixels = new byte[width * height * 3];
        new SplittableRandom(seed).nextBytes(pixels);
        return new RgbImage(width, height, pixels);
    }

    private static ByteBuffer direct(RgbImage... images) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(images.length * images[0].pixels().length);
        for (RgbImage image : images) {
            buffer.put(image.pixels());
        }
        return buffer.flip();
    }

    @Test
    void theEnginesNormalisationIsTheHostPreprocessorsBitForBit() throws Exception {
        RgbImage image = randomImage(40, 36, 1);
        PreprocessConfig config = new PreprocessConfig(0, 36, 40, PreprocessConfig.IMAGENET_MEAN,
                PreprocessConfig.IMAGENET_STD);
        float[] host = new Preprocessor(config).toChw(image);
        try (NDManager scope = PyTorchRuntime.engine().newBaseManager(Device.cpu())) {
            NDArray bytes = scope.create(direct(image), new Shape(1, 36, 40, 3), DataType.UINT8);
            NDArray normalized = new PixelNormalization(config.mean(), config.std()).apply(scope, bytes);
            float[] engine = normalized.transpose(0, 3, 1, 2).toFloatArray(); // row-major NCHW values
            assertArrayEquals(host, engine);
        }
    }

    @Test
    void pixelLogitsEqualTheFloatPathOnTheSamePixels() throws Exception {
        PreprocessConfig config = PreprocessConfig.torchvisionDefault();
        Preprocessor preprocessor = new Preprocessor(config);
        RgbImage[] images = {randomImage(64, 48, 2), randomImage(64, 48, 3), randomImage(64, 48, 4)};
        PreprocessConfig crop = new PreprocessConfig(0, 48, 64, config.mean(), config.std());
        float[] floats = new float[3 * 3 * 48 * 64];
        for (int i = 0; i < images.length; i++) {
            new Preprocessor(crop).toChw(images[i], floats, i * 3 * 48 * 64);
        }
        InferenceResult viaFloats = model.forward(floats, new long[] {3, 3, 48, 64});
        InferenceResult viaPixels = model.forwardPixels(direct(images), 3, 48, 64,
                new PixelNormalization(config.mean(), config.std()));
        assertArrayEquals(viaFloats.logits(), viaPixels.logits());
        assertArrayEquals(viaFloats.features(), viaPixels.features());
        assertEquals(preprocessor.config(), config);
    }

    @Test
    void withoutNormalisationValuesAreOnlyScaled() throws Exception {
        RgbImage image = randomImage(33, 33, 5);
        float[] host = new Preprocessor(new PreprocessConfig(0, 33, 33, null, null)).toChw(image);
        InferenceResult viaFloats = model.forward(host, new long[] {1, 3, 33, 33});
        InferenceResult viaPixels = model.forwardPixels(direct(image), 1, 33, 33, PixelNormalization.SCALE_ONLY);
        assertArrayEquals(viaFloats.logits(), viaPixels.logits());
    }

    @Test
    void aBufferOfTheWrongSizeIsRefusedNamingTheSizes() {
        ByteBuffer small = ByteBuffer.allocateDirect(100);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.forwardPixels(small, 1, 32, 32, PixelNormalization.SCALE_ONLY));
        assertTrue(e.getMessage().contains("exactly 3072 bytes for 1 images of 32x32"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> model.forwardPixels(ByteBuffer.allocate(3072), 1, 32, 32, PixelNormalization.SCALE_ONLY));
    }

    @Test
    void bf16IsRefusedBeforeTheEngineSeesIt() {
        for (String name : new String[] {"bf16", "BF16", "bfloat16"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Precision.parse(name));
            assertTrue(e.getMessage().contains("bf16 is not supported: DJL's PyTorch engine aborts the JVM"), e.getMessage());
        }
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> Precision.parse("fp8"));
        assertTrue(unknown.getMessage().contains("fp32, tf32 or fp16, got 'fp8'"), unknown.getMessage());
        assertEquals(Precision.FP16, Precision.parse(" FP16 "));
    }

    @Test
    void fp16AndTf32AreRefusedOnTheCpuBeforeAnyWeightIsRead() {
        IllegalArgumentException fp16 = assertThrows(IllegalArgumentException.class,
                () -> ResNetModel.seeded(SPEC, 1, Device.cpu(), Precision.FP16));
        assertTrue(fp16.getMessage().contains("fp16 needs a GPU: PyTorch 2.0.1 has no float16 convolution on the CPU"),
                fp16.getMessage());
        IllegalArgumentException tf32 = assertThrows(IllegalArgumentException.class,
                () -> ResNetModel.load(SPEC, java.nio.file.Path.of("/nonexistent.safetensors"), Device.cpu(),
                        Precision.TF32));
        assertTrue(tf32.getMessage().contains("tf32 is a GPU mode"), tf32.getMessage());
        assertEquals(Precision.FP32, model.precision());
    }
}
