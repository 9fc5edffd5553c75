package io.resnetspark.image;

import java.awt.image.Raster;

/**
 * CIELab TIFF samples to sRGB as PIL 9.4 converts its "LAB" mode: LittleCMS from its built-in Lab
 * profile (D50) to its built-in sRGB profile, relative colorimetric (sRGB is a matrix-shaper
 * profile, so perceptual is the same). Computed here in double precision from the same
 * definitions: CIE Lab to XYZ relative to D50, the Rec. 709 primaries with the D65 white point
 * adapted to D50 by the Bradford transform, sRGB's transfer curve, clipped and rounded. LittleCMS
 * evaluates its 8-bit transforms through an interpolated grid, so results can differ from PIL's by
 * a level, and by more for colours far outside sRGB, where clipping bends the grid.
 *
 * <p>The samples are those of PIL's "LAB" mode: L 0-255 for 0-100, a and b as signed bytes.
 */
final class CieLab {

    private static final double[] D50 = {0.9642, 1.0, 0.8249};

    /** XYZ (D50) to linear sRGB. */
    private static final double[][] XYZ_TO_RGB = invert(adaptedPrimaries());

    private CieLab() {}

    static RgbImage toRgb(Raster raster) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        byte[] out = new byte[w * h * 3];
        int[] pixel = new int[3];
        double[] rgb = new double[3];
        int o = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                raster.getPixel(raster.getMinX() + x, raster.getMinY() + y, pixel);
                double fy = (pixel[0] * 100.0 / 255 + 16) / 116;
                double fx = fy + (byte) pixel[1] / 500.0;
                double fz = fy - (byte) pixel[2] / 200.0;
                double[] xyz = {inverseF(fx) * D50[0], inverseF(fy) * D50[1], inverseF(fz) * D50[2]};
                for (int c = 0; c < 3; c++) {
                    rgb[c] = XYZ_TO_RGB[c][0] * xyz[0] + XYZ_TO_RGB[c][1] * xyz[1] + XYZ_TO_RGB[c][2] * xyz[2];
                    out[o++] = (byte) Math.round(255 * encode(Math.min(1, Math.max(0, rgb[c]))));
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    private static double inverseF(double t) {
        double delta = 6.0 / 29;
        return t > delta ? t * t * t : 3 * delta * delta * (t - 4.0 / 29);
    }

    /** sRGB's transfer curve, linear light to encoded. */
    private static double encode(double linear) {
        return linear > 0.0031308 ? 1.055 * Math.pow(linear, 1 / 2.4) - 0.055 : 12.92 * linear;
    }

    /** The sRGB colorants (columns R, G, B) as XYZ relative to D50. */
    private static double[][] adaptedPrimaries() {
        double[][] primaries = columns(xyY(0.64, 0.33), xyY(0.30, 0.60), xyY(0.15, 0.06));
        double[] white = xyY(0.3127, 0.3290);
        double[] scale = multiply(invert(primaries), white);
        double[][] bradford = {{0.8951, 0.2664, -0.1614}, {-0.7502, 1.7135, 0.0367}, {0.0389, -0.0685, 1.0296}};
        double[] from = multiply(bradford, white);
        double[] to = multiply(bradford, D50);
        double[][] adapted = new double[3][3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                // invert(B) * diag(to / from) * B * primaries * diag(scale)
                double sum = 0;
                for (int k = 0; k < 3; k++) {
                    double bp = 0;
                    for (int m = 0; m < 3; m++) {
                        bp += bradford[k][m] * primaries[m][j];
                    }
                    sum += invert(bradford)[i][k] * to[k] / from[k] * bp;
                }
                adapted[i][j] = sum * scale[j];
            }
        }
        return adapted;
    }

    private static double[] xyY(double x, double y) {
        return new double[] {x / y, 1, (1 - x - y) / y};
    }

    private static double[][] columns(double[] a, double[] b, double[] c) {
        return new double[][] {{a[0], b[0], c[0]}, {a[1], b[1], c[1]}, {a[2], b[2], c[2]}};
    }

    private static double[] multiply(double[][] m, double[] v) {
        double[] out = new double[3];
        for (int i = 0; i < 3; i++) {
            out[i] = m[i][0] * v[0] + m[i][1] * v[1] + m[i][2] * v[2];
        }
        return out;
    }

    private static double[][] invert(double[][] m) {
        double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
                - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
        double[][] inverse = new double[3][3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                int r0 = (j + 1) % 3;
                int r1 = (j + 2) % 3;
                int c0 = (i + 1) % 3;
                int c1 = (i + 2) % 3;
                inverse[i][j] = (m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]) / det;
            }
        }
        return inverse;
    }
}
