package io.resnetspark.image;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * An 8-bit RGB image: {@code height} rows of {@code width} pixels, each pixel three bytes R, G, B
 * (interleaved HWC, row-major), the layout of PIL's {@code np.asarray(image.convert("RGB"))}.
 *
 * <p>The pixel array is <em>not</em> copied, neither on the way in nor out: images are large and
 * handed from the decoder to the preprocessor once. Treat it as read-only once the image is built.
 * {@link #equals(Object)} compares the pixels by content.
 *
 * @param width pixels per row, at least 1
 * @param height rows, at least 1
 * @param pixels {@code width * height * 3} bytes, R G B per pixel, rows top to bottom
 */
public record RgbImage(int width, int height, byte[] pixels) implements Serializable {

    /** Largest pixel count an image may have: its byte array must fit in a Java array. */
    public static final long MAX_PIXELS = (Integer.MAX_VALUE - 8) / 3;

    /**
     * @throws IllegalArgumentException if a dimension is below 1, the image exceeds {@link
     *     #MAX_PIXELS}, or the array length is not {@code width * height * 3}
     */
    public RgbImage {
        Objects.requireNonNull(pixels, "pixels");
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size must be at least 1x1, got " + width + "x" + height);
        }
        long count = (long) width * height;
        if (count > MAX_PIXELS) {
            throw new IllegalArgumentException(width + "x" + height + " exceeds " + MAX_PIXELS + " pixels");
        }
        if (pixels.length != count * 3) {
            throw new IllegalArgumentException(
                    width + "x" + height + " RGB needs " + count * 3 + " bytes, got " + pixels.length);
        }
    }

    /** The value, 0-255, of channel {@code c} (0 R, 1 G, 2 B) of the pixel at column x, row y. */
    public int sample(int x, int y, int c) {
        return pixels[(y * width + x) * 3 + c] & 0xff;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RgbImage that
                && width == that.width
                && height == that.height
                && Arrays.equals(pixels, that.pixels);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(pixels);
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
