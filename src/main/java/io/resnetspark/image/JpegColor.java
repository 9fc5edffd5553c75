package io.resnetspark.image;

/**
 * Colour conversions of decoded JPEG components into RGB, in the exact integer arithmetic of
 * libjpeg (jdcolor.c) and PIL (Convert.c), so that a JPEG decoded here has the same pixel values as
 * {@code Image.open(f).convert("RGB")}.
 *
 * <p>The JDK's reader is asked for raw components (readRaster does no colour conversion) because
 * that path is faster than its colour-converting one, and it leaves the interpretation (YCbCr, RGB,
 * CMYK, YCCK) to us, to be decided exactly as libjpeg-turbo decides it.
 */
final class JpegColor {

    private static final int SCALE_BITS = 16;
    private static final int ONE_HALF = 1 << (SCALE_BITS - 1);

    /** libjpeg's YCbCr to RGB tables (build_ycc_rgb_table): Cr to R, Cb to B, and the G terms. */
    private static final int[] CR_R = new int[256];
    private static final int[] CB_B = new int[256];
    private static final int[] CR_G = new int[256];
    private static final int[] CB_G = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int x = i - 128;
            CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALE_BITS;
            CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALE_BITS;
            CR_G[i] = -fix(0.71414) * x;
            CB_G[i] = -fix(0.34414) * x + ONE_HALF;
        }
    }

    private JpegColor() {}

    private static int fix(double x) {
        return (int) (x * (1L << SCALE_BITS) + 0.5);
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : (v > 255 ? 255 : v);
    }

    /** Converts YCbCr triplets to RGB in place, as libjpeg's ycc_rgb_convert. */
    static void yccToRgbInPlace(byte[] pixels, int offset, int count) {
        int end = offset + 3 * count;
        for (int i = offset; i < end; i += 3) {
            int y = pixels[i] & 0xff;
            int cb = pixels[i + 1] & 0xff;
            int cr = pixels[i + 2] & 0xff;
            pixels[i] = (byte) clamp(y + CR_R[cr]);
            pixels[i + 1] = (byte) clamp(y + ((CB_G[cb] + CR_G[cr]) >> SCALE_BITS));
            pixels[i + 2] = (byte) clamp(y + CB_B[cb]);
        }
    }

    /**
     * Converts one 4-component pixel to RGB the way PIL does for a 4-component JPEG: libjpeg turns
     * YCCK into CMYK (ycck_cmyk_convert), PIL then reads the CMYK as Adobe-inverted ("CMYK;I", it
     * assumes Adobe's convention for every CMYK JPEG) and converts with its cmyk2rgb:
     * {@code r = (255 - k) - c * (255 - k) / 255}, rounded as PIL's MULDIV255.
     *
     * @param ycck true when the components are Y, Cb, Cr, K (Adobe transform 2)
     * @param out receives R, G, B at outOffset
     */
    static void fourComponentsToRgb(int c0, int c1, int c2, int c3, boolean ycck, byte[] out, int outOffset) {
        int c;
        int m;
        int y;
        if (ycck) {
            // ycck_cmyk_convert: C = 255 - R(YCbCr), and so on; PIL's inversion then gives back R.
            c = clamp(c0 + CR_R[c2]);
            m = clamp(c0 + ((CB_G[c1] + CR_G[c2]) >> SCALE_BITS));
            y = clamp(c0 + CB_B[c1]);
        } else {
            c = 255 - c0;
            m = 255 - c1;
            y = 255 - c2;
        }
        int k = 255 - c3;
        int nk = 255 - k;
        out[outOffset] = (byte) clamp(nk - mulDiv255(c, nk));
        out[outOffset + 1] = (byte) clamp(nk - mulDiv255(m, nk));
        out[outOffset + 2] = (byte) clamp(nk - mulDiv255(y, nk));
    }

    /** PIL's CMYK to RGB for CMYK that is not inverted (e.g. CMYK TIFF): cmyk2rgb as such. */
    static void cmykToRgb(int c, int m, int y, int k, byte[] out, int outOffset) {
        int nk = 255 - k;
        out[outOffset] = (byte) clamp(nk - mulDiv255(c, nk));
        out[outOffset + 1] = (byte) clamp(nk - mulDiv255(m, nk));
        out[outOffset + 2] = (byte) clamp(nk - mulDiv255(y, nk));
    }

    /** PIL's MULDIV255: a * b / 255, rounded, without a division. */
    private static int mulDiv255(int a, int b) {
        int t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    }
}
