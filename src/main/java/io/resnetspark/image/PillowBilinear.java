package io.resnetspark.image;

import java.util.Arrays;

/**
 * PIL's {@code Image.resize(size, Image.BILINEAR)} for 8-bit RGB, bit for bit: Pillow's
 * separable convolution resampler (libImaging/Resample.c), which torchvision's {@code Resize} calls
 * for PIL images.
 *
 * <p>What has to match for identical output:
 *
 * <ul>
 *   <li>Filter: the triangle {@code max(0, 1 - |x|)}, its support widened by the downscale factor
 *       (antialiasing), so each output pixel averages all the input pixels it covers.
 *   <li>Bounds: for output index i, {@code center = (i + 0.5) * scale}, taps from {@code (int)
 *       (center - support + 0.5)} to {@code (int) (center + support + 0.5)}, clipped to the image;
 *       weights {@code filter((x - center + 0.5) / filterscale)}, normalised to sum 1, in double.
 *   <li>Fixed point: weights become integers with 22 fractional bits, rounded half away from zero;
 *       each sum starts at 2^21 (for rounding) and is shifted right by 22, then clamped to 0-255.
 *   <li>Order: the horizontal pass first, rounded to 8 bits, then the vertical pass; a pass is
 *       skipped when its size does not change.
 * </ul>
 *
 * <p>Speed, without changing a single value:
 *
 * <ul>
 *   <li>Every output pixel depends only on its own coefficients, so only the window of the resized
 *       image that the centre crop keeps is computed (about half the work at 256 then 224).
 *   <li>All output indices of an axis read the same number of taps: shorter windows are shifted to
 *       stay inside the image and padded with zero weights (integer sums do not change). The tap
 *       loops then have a fixed length, unrolled for 2, 3 and 4 taps, the counts of downscales up
 *       to 2x and of upscales.
 *   <li>No clamping to 0-255: with bilinear weights it can never take effect (see {@link #clip8}).
 * </ul>
 */
final class PillowBilinear {

    /** Pillow's PRECISION_BITS: 32 - 8 bits of result - 2 bits of headroom for negative lobes. */
    static final int PRECISION_BITS = 32 - 8 - 2;
    private static final int HALF = 1 << (PRECISION_BITS - 1);

    private PillowBilinear() {}

    /**
     * The fixed-point coefficients of one axis, for the output indices {@code first} to {@code
     * first + count - 1}: output i reads inputs {@code start[i]} to {@code start[i] + taps - 1}
     * with weights {@code weights[i * taps + t]}.
     */
    record Axis(int first, int count, int[] start, int taps, int[] weights) {

        /** The first input index any of the outputs reads. */
        int inputStart() {
            int from = Integer.MAX_VALUE;
            for (int s : start) {
                from = Math.min(from, s);
            }
            return from;
        }

        /** One past the last input index any of the outputs reads. */
        int inputEnd() {
            int end = 0;
            for (int s : start) {
                end = Math.max(end, s + taps);
            }
            return end;
        }
    }

    /** Pillow's precompute_coeffs and normalize_coeffs_8bpc for a window of outputs, then padded. */
    static Axis axis(int inSize, int outSize, int first, int count) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filterScale; // the bilinear filter's support is 1
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] mins = new int[count];
        int[] lengths = new int[count];
        int[] fixed = new int[count * ksize];
        double[] k = new double[ksize];
        double ss = 1.0 / filterScale;
        int taps = 1;
        for (int i = 0; i < count; i++) {
            double center = (first + i + 0.5) * scale;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) {
                xmin = 0;
            }
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) {
                xmax = inSize;
            }
            xmax -= xmin;
            double ww = 0.0;
            for (int x = 0; x < xmax; x++) {
                double w = triangle((x + xmin - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }
            for (int x = 0; x < xmax; x++) {
                if (ww != 0.0) {
                    k[x] /= ww;
                }
                fixed[i * ksize + x] = k[x] < 0
                        ? (int) (-0.5 + k[x] * (1 << PRECISION_BITS))
                        : (int) (0.5 + k[x] * (1 << PRECISION_BITS));
            }
            mins[i] = xmin;
            lengths[i] = xmax;
            taps = Math.max(taps, xmax);
        }
        checkNoClampingNeeded(fixed, ksize, lengths);
        // Same tap count for all: shift short windows left where they would leave the image.
        int[] start = new int[count];
        int[] weights = new int[count * taps];
        for (int i = 0; i < count; i++) {
            start[i] = Math.min(mins[i], inSize - taps);
            int shift = mins[i] - start[i];
            System.arraycopy(fixed, i * ksize, weights, i * taps + shift, lengths[i]);
        }
        return new Axis(first, count, start, taps, weights);
    }

    /** The condition under which {@link #clip8} may skip Pillow's clamping; true for bilinear. */
    private static void checkNoClampingNeeded(int[] fixed, int ksize, int[] lengths) {
        for (int i = 0; i < lengths.length; i++) {
            long sum = 0;
            for (int t = 0; t < lengths[i]; t++) {
                int w = fixed[i * ksize + t];
                if (w < 0) {
                    throw new IllegalStateException("negative bilinear weight " + w);
                }
                sum += w;
            }
            // 255 * sum + 2^21 must stay below 256 * 2^22.
            if (255 * sum + HALF >= 256L << PRECISION_BITS) {
                throw new IllegalStateException("bilinear weights sum to " + sum);
            }
        }
    }

    private static double triangle(double x) {
        if (x < 0.0) {
            x = -x;
        }
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    /**
     * Pillow's clip8 without the clamping, which can never take effect here: bilinear weights are
     * never negative and those of one output sum to at most 2^22 + taps / 2 after rounding (checked
     * in {@link #axis}), so a sum lies in [2^21, 255 * (2^22 + taps / 2) + 2^21], whose top 10 bits
     * are at most 255. Leaving the clamps out keeps the inner loops free of branches.
     */
    private static int clip8(int sum) {
        return sum >> PRECISION_BITS;
    }

    /** The whole image resized to outWidth x outHeight, as PIL's resize. */
    static RgbImage resize(RgbImage image, int outWidth, int outHeight) {
        byte[] pixels = resizeWindow(image, outWidth, outHeight, 0, outWidth, 0, outHeight);
        return new RgbImage(outWidth, outHeight, pixels);
    }

    /**
     * The window [x0, x0 + cols) x [y0, y0 + rows) of the image resized to outWidth x outHeight,
     * as {@code rows * cols * 3} RGB bytes.
     */
    static byte[] resizeWindow(RgbImage image, int outWidth, int outHeight, int x0, int cols, int y0, int rows) {
        int inW = image.width();
        int inH = image.height();
        boolean horizontal = outWidth != inW;
        boolean vertical = outHeight != inH;
        if (!horizontal && !vertical) {
            return copyWindow(image.pixels(), inW * 3, x0, cols, y0, rows); // PIL returns a copy
        }
        Axis ys = vertical ? axis(inH, outHeight, y0, rows) : null;
        if (!horizontal) {
            return verticalPass(image.pixels(), inW * 3, x0 * 3, 0, cols, ys);
        }
        // The input rows the vertical pass reads (or, without it, the window's own rows).
        int rowFrom = vertical ? ys.inputStart() : y0;
        int rowTo = vertical ? ys.inputEnd() : y0 + rows;
        byte[] resampled = horizontalPass(image.pixels(), inW, rowFrom, rowTo, axis(inW, outWidth, x0, cols));
        return vertical ? verticalPass(resampled, cols * 3, 0, rowFrom, cols, ys) : resampled;
    }

    private static byte[] copyWindow(byte[] pixels, int rowStride, int x0, int cols, int y0, int rows) {
        byte[] out = new byte[rows * cols * 3];
        for (int y = 0; y < rows; y++) {
            System.arraycopy(pixels, (y0 + y) * rowStride + x0 * 3, out, y * cols * 3, cols * 3);
        }
        return out;
    }

    /** Resamples input rows [rowFrom, rowTo) horizontally into the window's columns. */
    private static byte[] horizontalPass(byte[] src, int inW, int rowFrom, int rowTo, Axis xs) {
        int cols = xs.count();
        byte[] out = new byte[(rowTo - rowFrom) * cols * 3];
        for (int y = rowFrom, o = 0; y < rowTo; y++, o += cols * 3) {
            int row = y * inW * 3;
            switch (xs.taps()) {
                case 2 -> horizontalRow2(src, row, xs, out, o);
                case 3 -> horizontalRow3(src, row, xs, out, o);
                case 4 -> horizontalRow4(src, row, xs, out, o);
                default -> horizontalRow(src, row, xs, out, o);
            }
        }
        return out;
    }

    private static void horizontalRow(byte[] src, int row, Axis xs, byte[] out, int o) {
        int[] start = xs.start();
        int[] weights = xs.weights();
        int taps = xs.taps();
        for (int i = 0, k = 0; i < start.length; i++) {
            int p = row + start[i] * 3;
            int s0 = HALF;
            int s1 = HALF;
            int s2 = HALF;
            for (int t = 0; t < taps; t++, k++, p += 3) {
                int w = weights[k];
                s0 += (src[p] & 0xff) * w;
                s1 += (src[p + 1] & 0xff) * w;
                s2 += (src[p + 2] & 0xff) * w;
            }
            out[o++] = (byte) clip8(s0);
            out[o++] = (byte) clip8(s1);
            out[o++] = (byte) clip8(s2);
        }
    }

    private static void horizontalRow2(byte[] src, int row, Axis xs, byte[] out, int o) {
        int[] start = xs.start();
        int[] w = xs.weights();
        for (int i = 0, k = 0; i < start.length; i++, k += 2) {
            int p = row + start[i] * 3;
            int w0 = w[k];
            int w1 = w[k + 1];
            out[o++] = (byte) clip8(HALF + (src[p] & 0xff) * w0 + (src[p + 3] & 0xff) * w1);
            out[o++] = (byte) clip8(HALF + (src[p + 1] & 0xff) * w0 + (src[p + 4] & 0xff) * w1);
            out[o++] = (byte) clip8(HALF + (src[p + 2] & 0xff) * w0 + (src[p + 5] & 0xff) * w1);
        }
    }

    private static void horizontalRow3(byte[] src, int row, Axis xs, byte[] out, int o) {
        int[] start = xs.start();
        int[] w = xs.weights();
        for (int i = 0, k = 0; i < start.length; i++, k += 3) {
            int p = row + start[i] * 3;
            int w0 = w[k];
            int w1 = w[k + 1];
            int w2 = w[k + 2];
            out[o++] = (byte) clip8(HALF + (src[p] & 0xff) * w0 + (src[p + 3] & 0xff) * w1 + (src[p + 6] & 0xff) * w2);
            out[o++] = (byte) clip8(HALF + (src[p + 1] & 0xff) * w0 + (src[p + 4] & 0xff) * w1 + (src[p + 7] & 0xff) * w2);
            out[o++] = (byte) clip8(HALF + (src[p + 2] & 0xff) * w0 + (src[p + 5] & 0xff) * w1 + (src[p + 8] & 0xff) * w2);
        }
    }

    private static void horizontalRow4(byte[] src, int row, Axis xs, byte[] out, int o) {
        int[] start = xs.start();
        int[] w = xs.weights();
        for (int i = 0, k = 0; i < start.length; i++, k += 4) {
            int p = row + start[i] * 3;
            int w0 = w[k];
            int w1 = w[k + 1];
            int w2 = w[k + 2];
            int w3 = w[k + 3];
            out[o++] = (byte) clip8(HALF + (src[p] & 0xff) * w0 + (src[p + 3] & 0xff) * w1
                    + (src[p + 6] & 0xff) * w2 + (src[p + 9] & 0xff) * w3);
            out[o++] = (byte) clip8(HALF + (src[p + 1] & 0xff) * w0 + (src[p + 4] & 0xff) * w1
                    + (src[p + 7] & 0xff) * w2 + (src[p + 10] & 0xff) * w3);
            out[o++] = (byte) clip8(HALF + (src[p + 2] & 0xff) * w0 + (src[p + 5] & 0xff) * w1
                    + (src[p + 8] & 0xff) * w2 + (src[p + 11] & 0xff) * w3);
        }
    }

    /**
     * Resamples vertically: each output row is a weighted sum of whole input rows, computed along
     * contiguous bytes.
     *
     * @param rowStride bytes from one row of {@code src} to the next
     * @param colOffset byte offset of the window's first column within a row
     * @param firstRow the input row that {@code src} row 0 holds
     */
    private static byte[] verticalPass(byte[] src, int rowStride, int colOffset, int firstRow, int cols, Axis ys) {
        int n = cols * 3;
        int taps = ys.taps();
        int[] start = ys.start();
        int[] w = ys.weights();
        byte[] out = new byte[ys.count() * n];
        int[] acc = taps > 4 ? new int[n] : null;
        for (int i = 0; i < ys.count(); i++) {
            int p = (start[i] - firstRow) * rowStride + colOffset;
            int k = i * taps;
            int o = i * n;
            switch (taps) {
                case 1 -> {
                    int w0 = w[k];
                    for (int j = 0; j < n; j++) {
                        out[o + j] = (byte) clip8(HALF + (src[p + j] & 0xff) * w0);
                    }
                }
                case 2 -> {
                    int w0 = w[k];
                    int w1 = w[k + 1];
                    int q = p + rowStride;
                    for (int j = 0; j < n; j++) {
                        out[o + j] = (byte) clip8(HALF + (src[p + j] & 0xff) * w0 + (src[q + j] & 0xff) * w1);
                    }
                }
                case 3 -> {
                    int w0 = w[k];
                    int w1 = w[k + 1];
                    int w2 = w[k + 2];
                    int q = p + rowStride;
                    int r = q + rowStride;
                    for (int j = 0; j < n; j++) {
                        out[o + j] = (byte) clip8(HALF + (src[p + j] & 0xff) * w0 + (src[q + j] & 0xff) * w1
                                + (src[r + j] & 0xff) * w2);
                    }
                }
                case 4 -> {
                    int w0 = w[k];
                    int w1 = w[k + 1];
                    int w2 = w[k + 2];
                    int w3 = w[k + 3];
                    int q = p + rowStride;
                    int r = q + rowStride;
                    int s = r + rowStride;
                    for (int j = 0; j < n; j++) {
                        out[o + j] = (byte) clip8(HALF + (src[p + j] & 0xff) * w0 + (src[q + j] & 0xff) * w1
                                + (src[r + j] & 0xff) * w2 + (src[s + j] & 0xff) * w3);
                    }
                }
                default -> {
                    Arrays.fill(acc, HALF);
                    for (int t = 0; t < taps; t++, p += rowStride) {
                        int wt = w[k + t];
                        for (int j = 0; j < n; j++) {
                            acc[j] += (src[p + j] & 0xff) * wt;
                        }
                    }
                    for (int j = 0; j < n; j++) {
                        out[o + j] = (byte) clip8(acc[j]);
                    }
                }
            }
        }
        return out;
    }
}
