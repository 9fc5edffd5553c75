package io.resnetspark.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Config validation and signatures, torchvision's size arithmetic, and the CHW layout. */
class PreprocessingTest {

    @Test
    void torchvisionDefault() {
        PreprocessConfig config = PreprocessConfig.torchvisionDefault();
        assertEquals(256, config.resizeShortSide());
        assertEquals(224, config.outputHeight());
        assertEquals(224, config.outputWidth());
        assertEquals(3 * 224 * 224, config.valuesPerImage());
        assertEquals("resize256-bilinear-aa|crop224x224|scale1/255|mean0.485,0.456,0.406|std0.229,0.224,0.225",
                config.signature());
        assertEquals(config, PreprocessConfig.torchvisionDefault());
    }

    @Test
    void signaturesNameWhatIsSkipped() {
        assertEquals("noresize|crop224x200|scale1/255|nonorm", new PreprocessConfig(0, 224, 200, null, null).signature());
        PreprocessConfig resizeOnly = new PreprocessConfig(64, 0, 0, null, null);
        assertEquals("resize64-bilinear-aa|nocrop|scale1/255|nonorm", resizeOnly.signature());
        assertEquals(64, resizeOnly.outputHeight());
        assertEquals(64, resizeOnly.outputWidth());
        assertNotEquals(resizeOnly, new PreprocessConfig(65, 0, 0, null, null));
    }

    @Test
    void configIsImmutableAndValidated() {
        float[] mean = {0.5f, 0.5f, 0.5f};
        PreprocessConfig config = new PreprocessConfig(256, 224, 224, mean, new float[] {0.5f, 0.5f, 0.5f});
        mean[0] = 9;
        config.mean()[1] = 9;
        assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f}, config.mean());
        float[] ok = {1, 1, 1};
        assertThrows(IllegalArgumentException.class, () -> new PreprocessConfig(0, 0, 0, null, null));
        assertThrows(IllegalArgumentException.class, () -> new PreprocessConfig(256, 224, 0, null, null));
        assertThrows(IllegalArgumentException.class, () -> new PreprocessConfig(-1, 224, 224, null, null));
        assertThrows(IllegalArgumentException.class, () -> new PreprocessConfig(256, 224, 224, ok, null));
        assertThrows(IllegalArgumentException.class, () -> new PreprocessConfig(256, 224, 224, new float[2], new float[2]));
        assertThrows(IllegalArgumentException.class, () -> new PreprocessConfig(256, 224, 224, ok, new float[] {1, 0, 1}));
        assertThrows(IllegalArgumentException.class, () -> new PreprocessConfig(256, 224, 224, new float[] {Float.NaN, 0, 0}, ok));
    }

    @Test
    void torchvisionResizeRule() {
        assertArrayEquals(new int[] {256, 341}, TorchvisionGeometry.resizedSize(375, 500, 256));
        assertArrayEquals(new int[] {341, 256}, TorchvisionGeometry.resizedSize(500, 375, 256));
        assertArrayEquals(new int[] {853, 256}, TorchvisionGeometry.resizedSize(1000, 300, 256));
        assertArrayEquals(new int[] {256, 256}, TorchvisionGeometry.resizedSize(80, 80, 256));
        assertArrayEquals(new int[] {256, 597}, TorchvisionGeometry.resizedSize(3, 7, 256)); // int(597.33)
        assertArrayEquals(new int[] {256, 256000}, TorchvisionGeometry.resizedSize(1, 1000, 256));
    }

    @Test
    void centreCropRoundsHalfToEvenAndPadsLikeTorchvision() {
        assertEquals(58, TorchvisionGeometry.cropStart(341, 224)); // round(58.5) = 58
        assertEquals(0, TorchvisionGeometry.cropStart(225, 224)); // round(0.5) = 0
        assertEquals(2, TorchvisionGeometry.cropStart(227, 224)); // round(1.5) = 2
        assertEquals(16, TorchvisionGeometry.cropStart(256, 224));
        assertEquals(-62, TorchvisionGeometry.cropStart(100, 224)); // pad 62 before, 62 after
        assertEquals(-61, TorchvisionGeometry.cropStart(101, 224)); // pad 61 before, 62 after
    }

    @Test
    void chwLayoutAndPadding() throws Exception {
        // A 2x1 image, no resize, crop 3 rows x 2 columns: torchvision pads (3 - 1) // 2 = 1 row
        // on top and 1 below; the width fits.
        RgbImage image = new RgbImage(2, 1, new byte[] {(byte) 255, 0, 51, 0, (byte) 255, 102});
        Preprocessor scale = new Preprocessor(new PreprocessConfig(0, 3, 2, null, null));
        float[] out = new float[1 + 3 * 3 * 2];
        out[0] = 42;
        scale.toChw(image, out, 1);
        assertEquals(42, out[0]);
        float[] expected = {
            0, 0, 1, 0, 0, 0, // R: padding row, image row, padding row
            0, 0, 0, 1, 0, 0, // G
            0, 0, 51 / 255f, 102 / 255f, 0, 0, // B
        };
        assertArrayEquals(expected, Arrays.copyOfRange(out, 1, out.length));
        Preprocessor normalize = new Preprocessor(new PreprocessConfig(0, 3, 2, new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.25f, 0.25f, 0.25f}));
        float[] normalized = normalize.toChw(image);
        assertEquals(-2f, normalized[0]); // padding is 0 before normalisation, as in torchvision
        assertEquals(2f, normalized[2]);
        assertThrows(IndexOutOfBoundsException.class, () -> scale.toChw(image, new float[18], 1));
    }

    @Test
    void decoderAndPreprocessorSurviveJavaSerialization() throws Exception {
        ImageDecoder decoder = roundTrip(new ImageDecoder(1000, false));
        assertEquals(1000, decoder.maxPixels());
        assertFalse(decoder.appliesExifOrientation());
        PreprocessConfig config = roundTrip(PreprocessConfig.torchvisionDefault());
        assertEquals(PreprocessConfig.torchvisionDefault(), config);
        RgbImage image = new RgbImage(300, 200, new byte[300 * 200 * 3]);
        Preprocessor preprocessor = roundTrip(new Preprocessor(config));
        assertArrayEquals(new Preprocessor(config).toChw(image), preprocessor.toChw(image));
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T value) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }

    @Test
    void withoutCropTheSizeMustFit() throws Exception {
        RgbImage square = new RgbImage(10, 10, new byte[300]);
        RgbImage wide = new RgbImage(20, 10, new byte[600]);
        Preprocessor resizeOnly = new Preprocessor(new PreprocessConfig(8, 0, 0, null, null));
        assertEquals(3 * 8 * 8, resizeOnly.toChw(square).length);
        InvalidImageException e = assertThrows(InvalidImageException.class, () -> resizeOnly.toChw(wide));
        assertEquals(InvalidImageException.WRONG_SIZE, e.reason());
    }
}
