package io.resnetspark.image;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * Applies a {@link PreprocessConfig} to decoded images, with the values of torchvision's PIL
 * pipeline {@code Compose([Resize(s), CenterCrop((h, w)), ToTensor(), Normalize(mean, std)])}:
 *
 * <ul>
 *   <li>the resize and crop are exact (same uint8 pixels as PIL, see {@link PillowBilinear} and
 *       {@link TorchvisionGeometry});
 *   <li>the scaling and normalisation are done in float32 in torchvision's order, {@code (v / 255f
 *       - mean) / std}, so the floats are bit-identical too. They are tabulated once: 256 values per
 *       channel.
 * </ul>
 *
 * <p>Only the part of the resized image that the crop keeps is computed. Thread-safe: it holds no
 * mutable state. Serializable, so that it can travel in a Spark closure.
 */
public final class Preprocessor implements Serializable {

    private static final long serialVersionUID = 1L;

    private final PreprocessConfig config;
    /** Model input value of each byte value, per channel. */
    private final float[][] table = new float[3][256];

    public Preprocessor(PreprocessConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        float[] mean = config.mean();
        float[] std = config.std();
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                float scaled = v / 255f;
                table[c][v] = mean == null ? scaled : (scaled - mean[c]) / std[c];
            }
        }
    }

    public PreprocessConfig config() {
        return config;
    }

    /**
     * Writes the model input of one image: 3 x H x W float32 (CHW, channels R, G, B), H x W being
     * {@link PreprocessConfig#outputHeight()} x {@link PreprocessConfig#outputWidth()}.
     *
     * @param out receives {@link PreprocessConfig#valuesPerImage()} values from {@code offset}
     * @throws InvalidImageException {@code wrong_size} when there is no crop and the (resized) image
     *     is not the output size; {@code too_large} when resizing would give a side over 2^31
     * @throws IndexOutOfBoundsException when {@code out} has no room from {@code offset}
     */
    public void toChw(RgbImage image, float[] out, int offset) throws InvalidImageException {
        Objects.checkFromIndexSize(offset, config.valuesPerImage(), out.length);
        Window window = window(image);
        int h = config.outputHeight();
        int w = config.outputWidth();
        int plane = h * w;
        float[] red = table[0];
        float[] green = table[1];
        float[] blue = table[2];
        byte[] pixels = window.pixels;
        for (int y = 0; y < h; y++) {
            int r = offset + y * w;
            int g = r + plane;
            int b = g + plane;
            int wy = y - window.top;
            if (wy < 0 || wy >= window.rows) {
                // torchvision pads with 0 before ToTensor and Normalize
                Arrays.fill(out, r, r + w, red[0]);
                Arrays.fill(out, g, g + w, green[0]);
                Arrays.fill(out, b, b + w, blue[0]);
                continue;
            }
            int left = window.left;
            int right = left + window.cols;
            Arrays.fill(out, r, r + left, red[0]);
            Arrays.fill(out, g, g + left, green[0]);
            Arrays.fill(out, b, b + left, blue[0]);
            // One pass over the row's RGB bytes, writing the three planes.
            for (int x = left, p = wy * window.cols * 3; x < right; x++, p += 3) {
                out[r + x] = red[pixels[p] & 0xff];
                out[g + x] = green[pixels[p + 1] & 0xff];
                out[b + x] = blue[pixels[p + 2] & 0xff];
            }
            Arrays.fill(out, r + right, r + w, red[0]);
            Arrays.fill(out, g + right, g + w, green[0]);
            Arrays.fill(out, b + right, b + w, blue[0]);
        }
    }

    /** {@link #toChw(RgbImage, float[], int)} into a new array. */
    public float[] toChw(RgbImage image) throws InvalidImageException {
        float[] out = new float[config.valuesPerImage()];
        toChw(image, out, 0);
        return out;
    }

    /**
     * The resized and cropped (or padded) image before ToTensor: what torchvision's {@code
     * CenterCrop} returns, as uint8 RGB.
     *
     * @throws InvalidImageException as {@link #toChw(RgbImage, float[], int)}
     */
    public RgbImage resizeAndCrop(RgbImage image) throws InvalidImageException {
        Window window = window(image);
        int h = config.outputHeight();
        int w = config.outputWidth();
        if (window.top == 0 && window.left == 0 && window.rows == h && window.cols == w) {
            return new RgbImage(w, h, window.pixels);
        }
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < window.rows; y++) {
            System.arraycopy(window.pixels, y * window.cols * 3, out, ((window.top + y) * w + window.left) * 3, window.cols * 3);
        }
        return new RgbImage(w, h, out);
    }

    /**
     * The pixels of the output that come from the image, and where they go.
     *
     * @param pixels rows x cols RGB bytes
     * @param top output row of the first window row (positive where padding is above)
     * @param left output column of the first window column
     */
    private record Window(byte[] pixels, int top, int left, int rows, int cols) {}

    private Window window(RgbImage image) throws InvalidImageException {
        int height = image.height();
        int width = image.width();
        if (config.resizes()) {
            try {
                int[] size = TorchvisionGeometry.resizedSize(height, width, config.resizeShortSide());
                height = size[0];
                width = size[1];
            } catch (ArithmeticException e) {
                throw new InvalidImageException(InvalidImageException.TOO_LARGE, e.getMessage(), e);
            }
        }
        int outH = config.outputHeight();
        int outW = config.outputWidth();
        int top = 0;
        int left = 0;
        if (config.crops()) {
            top = TorchvisionGeometry.cropStart(height, outH);
            left = TorchvisionGeometry.cropStart(width, outW);
        } else if (height != outH || width != outW) {
            throw new InvalidImageException(InvalidImageException.WRONG_SIZE, String.format(
                    "%dx%d image %s %dx%d, but without a crop the model input must be %dx%d",
                    image.width(), image.height(), config.resizes() ? "resizes to" : "is", width, height, outW, outH));
        }
        // The part of the (resized) image inside the crop box; the rest of the box is padding.
        int y0 = Math.max(top, 0);
        int y1 = Math.min(top + outH, height);
        int x0 = Math.max(left, 0);
        int x1 = Math.min(left + outW, width);
        byte[] pixels = PillowBilinear.resizeWindow(image, width, height, x0, x1 - x0, y0, y1 - y0);
        return new Window(pixels, y0 - top, x0 - left, y1 - y0, x1 - x0);
    }
}
