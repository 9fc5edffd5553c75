package io.resnetspark.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.resnetspark.testing.ReferencePython;
import io.resnetspark.weights.NpyFormat;
import io.resnetspark.weights.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The resampler against PIL's {@code Image.resize(size, BILINEAR)} on random images and random
 * target sizes, downscaling and upscaling, 1-pixel-wide included: every byte must be equal.
 */
class PillowBilinearTest {

    @Test
    void equalsPilOnRandomSizes(@TempDir Path dir) throws Exception {
        ReferencePython.runScript(ReferenceImages.SCRIPT, "resize", "--out-dir", dir.toString(), "--count", "80", "--seed", "3");
        List<String> rows = Files.readAllLines(dir.resolve("resize.tsv"));
        assertEquals("k\tin_w\tin_h\tout_w\tout_h", rows.get(0));
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split("\t");
            int outW = Integer.parseInt(f[3]);
            int outH = Integer.parseInt(f[4]);
            RgbImage input = image(NpyFormat.read(dir.resolve("resize_" + f[0] + ".in.npy")));
            RgbImage expected = image(NpyFormat.read(dir.resolve("resize_" + f[0] + ".out.npy")));
            RgbImage actual = PillowBilinear.resize(input, outW, outH);
            assertEquals(expected, actual, () -> "case " + row.replace('\t', ' ') + ": " + ReferenceImages.describe(ReferenceImages.diff(actual, expected)));
        }
    }

    @Test
    void windowEqualsTheSameRegionOfTheWholeResize() {
        byte[] pixels = new byte[37 * 23 * 3];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 31 + i / 7);
        }
        RgbImage image = new RgbImage(37, 23, pixels);
        for (int[] size : new int[][] {{20, 11}, {37, 40}, {80, 23}, {37, 23}}) {
            RgbImage whole = PillowBilinear.resize(image, size[0], size[1]);
            int x0 = size[0] / 4;
            int y0 = size[1] / 3;
            int cols = size[0] / 2;
            int rows = size[1] / 2;
            byte[] window = PillowBilinear.resizeWindow(image, size[0], size[1], x0, cols, y0, rows);
            for (int y = 0; y < rows; y++) {
                int from = ((y0 + y) * size[0] + x0) * 3;
                assertArrayEquals(Arrays.copyOfRange(whole.pixels(), from, from + cols * 3),
                        Arrays.copyOfRange(window, y * cols * 3, (y + 1) * cols * 3), Arrays.toString(size) + " row " + y);
            }
        }
    }

    @Test
    void constantImageStaysConstant() {
        byte[] pixels = new byte[50 * 40 * 3];
        for (int i = 0; i < pixels.length; i += 3) {
            pixels[i] = 10;
            pixels[i + 1] = (byte) 128;
            pixels[i + 2] = (byte) 255;
        }
        RgbImage resized = PillowBilinear.resize(new RgbImage(50, 40, pixels), 17, 93);
        for (int i = 0; i < resized.pixels().length; i += 3) {
            assertEquals(10, resized.pixels()[i]);
            assertEquals(128, resized.pixels()[i + 1] & 0xff);
            assertEquals(255, resized.pixels()[i + 2] & 0xff);
        }
    }

    static RgbImage image(Tensor t) {
        long[] shape = t.shape();
        float[] v = t.values();
        byte[] pixels = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            pixels[i] = (byte) (int) v[i];
        }
        return new RgbImage((int) shape[1], (int) shape[0], pixels);
    }
}
