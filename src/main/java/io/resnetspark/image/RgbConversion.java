package io.resnetspark.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.util.function.DoubleToIntFunction;

/**
 * Converts a decoded {@link BufferedImage} to 8-bit RGB with the values of PIL's {@code
 * convert("RGB")}: raw samples, not Java2D's colour-managed {@code getRGB}.
 *
 * <p>Why not {@code getRGB}: Java2D treats 8-bit grey as <em>linear</em> grey and gamma-encodes it
 * to sRGB (a mid grey 128 becomes 188), and it applies embedded ICC profiles. PIL does neither: grey
 * is copied to R, G and B, and profiles are ignored. The rules here:
 *
 * <ul>
 *   <li>Grey: copied to the three channels. Alpha is dropped, never composited (as PIL).
 *   <li>Palette: the palette's RGB (a transparent index keeps its colour, as PIL); indexes beyond
 *       the file's palette are grey (i, i, i), as in PIL.
 *   <li>16-bit colour samples (RGB, RGBA, grey with alpha): the high byte ({@code v >> 8}), as PIL.
 *   <li>Single-channel grey of more than 8 bits, integer or float (PIL's modes "I;16", "I", "F"):
 *       as {@link HighBitDepth} says; by default clipped to 0..255 as PIL's {@code convert("RGB")}.
 *   <li>1, 2, 4-bit samples: scaled to 0-255 ({@code v * 255 / (2^bits - 1)}, exact for these
 *       depths); other depths the same, truncated, like PIL's 5-6-bit BMP unpackers.
 *   <li>CMYK (TIFF): PIL's naive formula; other colour spaces go through Java2D's conversion (CIELab
 *       TIFF is converted before, see {@link CieLab}).
 * </ul>
 */
final class RgbConversion {

    private RgbConversion() {}

    static RgbImage toRgb(BufferedImage image, ImageFormat format, HighBitDepth highBitDepth) throws InvalidImageException {
        ColorModel model = image.getColorModel();
        Raster raster = image.getRaster();
        int transfer = raster.getTransferType();
        ColorSpace space = model.getColorSpace();
        int colors = model.getNumColorComponents();
        boolean singleGrey = space.getType() == ColorSpace.TYPE_GRAY && colors == 1 && raster.getNumBands() == 1;
        if (transfer == DataBuffer.TYPE_FLOAT || transfer == DataBuffer.TYPE_DOUBLE) {
            if (!singleGrey) {
                throw new InvalidImageException(InvalidImageException.UNSUPPORTED_FORMAT,
                        format + " with floating-point samples in " + raster.getNumBands() + " bands is not supported"
                                + " (single-channel only, as in PIL)");
            }
            return fromFloatGrey(raster, highBitDepth);
        }
        if (model instanceof IndexColorModel palette) {
            return fromPalette(raster, palette);
        }
        if (singleGrey && raster.getSampleModel().getSampleSize(0) > 8) {
            return fromDeepGrey(raster, highBitDepth);
        }
        if (space.getType() == ColorSpace.TYPE_GRAY && colors == 1) {
            return fromBands(raster, new int[] {0, 0, 0});
        }
        if (space.getType() == ColorSpace.TYPE_RGB && colors == 3) {
            return fromBands(raster, new int[] {0, 1, 2});
        }
        if (space.getType() == ColorSpace.TYPE_CMYK && colors == 4) {
            return fromCmyk(raster);
        }
        return viaJava2d(image);
    }

    /** Bands picked into R, G, B; 8-bit byte rasters directly, anything else through getSamples. */
    private static RgbImage fromBands(Raster raster, int[] bandOf) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        byte[] out = new byte[w * h * 3];
        RasterSamples samples = RasterSamples.of(raster);
        if (samples != null && raster.getSampleModel().getSampleSize(0) == 8) {
            byte[] in = samples.data();
            int r = samples.bandOffsets()[bandOf[0]];
            int g = samples.bandOffsets()[bandOf[1]];
            int b = samples.bandOffsets()[bandOf[2]];
            int o = 0;
            for (int y = 0; y < h; y++) {
                int p = samples.base() + y * samples.scanlineStride();
                for (int x = 0; x < w; x++, p += samples.pixelStride()) {
                    out[o++] = in[p + r];
                    out[o++] = in[p + g];
                    out[o++] = in[p + b];
                }
            }
            return new RgbImage(w, h, out);
        }
        int[] row = new int[w];
        for (int c = 0; c < 3; c++) {
            int band = bandOf[c];
            int bits = raster.getSampleModel().getSampleSize(band);
            for (int y = 0; y < h; y++) {
                raster.getSamples(raster.getMinX(), raster.getMinY() + y, w, 1, band, row);
                int o = y * w * 3 + c;
                for (int x = 0; x < w; x++, o += 3) {
                    out[o] = (byte) to8Bit(row[x], bits);
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    /**
     * Colours divided by their alpha, as PIL reads associated alpha ("RGBa"): {@code c * 255 / a}
     * truncated and clipped, and black where alpha is 0.
     */
    static RgbImage unpremultiplied(RgbImage rgb, Raster raster) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        int alphaBand = raster.getNumBands() - 1;
        int alphaBits = raster.getSampleModel().getSampleSize(alphaBand);
        byte[] pixels = rgb.pixels();
        int[] alpha = new int[w];
        for (int y = 0; y < h; y++) {
            raster.getSamples(raster.getMinX(), raster.getMinY() + y, w, 1, alphaBand, alpha);
            for (int x = 0; x < w; x++) {
                int a = to8Bit(alpha[x], alphaBits);
                int o = (y * w + x) * 3;
                for (int c = o; c < o + 3 && a != 255; c++) {
                    pixels[c] = (byte) (a == 0 ? 0 : Math.min(255, (pixels[c] & 0xff) * 255 / a));
                }
            }
        }
        return rgb;
    }

    /** Grey of more than 8 bits (PIL's modes "I;16" and "I"), clipped as PIL does or scaled. */
    private static RgbImage fromDeepGrey(Raster raster, HighBitDepth highBitDepth) {
        int bits = raster.getSampleModel().getSampleSize(0);
        return greyFrom(raster, highBitDepth == HighBitDepth.CLIP
                ? v -> clamp((int) v)
                : v -> v <= 0 ? 0 : (int) Math.min(255, (long) v >> (bits - 8)));
    }

    /**
     * Floating-point grey (PIL's mode "F"): clipped and truncated as PIL's conversion to "L", or
     * 0..1 scaled to 0..255.
     */
    private static RgbImage fromFloatGrey(Raster raster, HighBitDepth highBitDepth) {
        return greyFrom(raster, highBitDepth == HighBitDepth.CLIP
                ? v -> v <= 0 ? 0 : v >= 255 ? 255 : (int) v // NaN: (int) gives 0
                : v -> v <= 0 ? 0 : v >= 1 ? 255 : (int) Math.round(v * 255));
    }

    /** A single-band raster as grey, each sample (as a double, exact for ints and floats) mapped to 0-255. */
    private static RgbImage greyFrom(Raster raster, DoubleToIntFunction to8Bit) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        byte[] out = new byte[w * h * 3];
        double[] row = new double[w];
        int o = 0;
        for (int y = 0; y < h; y++) {
            raster.getSamples(raster.getMinX(), raster.getMinY() + y, w, 1, 0, row);
            for (int x = 0; x < w; x++) {
                byte grey = (byte) to8Bit.applyAsInt(row[x]);
                out[o++] = grey;
                out[o++] = grey;
                out[o++] = grey;
            }
        }
        return new RgbImage(w, h, out);
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }

    private static RgbImage fromPalette(Raster raster, IndexColorModel palette) {
        return fromPalette(raster, palette, palette.getMapSize());
    }

    /**
     * Palette indexes to RGB, when the file's palette has {@code entries} colours (an ImageIO
     * palette may be padded to the index range). Indexes beyond it read as grey (i, i, i): PIL's
     * palettes start as that ramp and the file's entries overwrite only their part of it; with no
     * palette at all the indexes are grey levels.
     */
    static RgbImage fromPalette(Raster raster, IndexColorModel palette, int entries) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        int[] rgb = paletteRgb(palette, entries);
        byte[] out = new byte[w * h * 3];
        int[] row = new int[w];
        int o = 0;
        for (int y = 0; y < h; y++) {
            raster.getSamples(raster.getMinX(), raster.getMinY() + y, w, 1, 0, row);
            for (int x = 0; x < w; x++) {
                int colour = rgb[row[x] & 0xff];
                out[o++] = (byte) (colour >> 16);
                out[o++] = (byte) (colour >> 8);
                out[o++] = (byte) colour;
            }
        }
        return new RgbImage(w, h, out);
    }

    /** The 256 colours (0xRRGGBB) that indexes stand for, as in PIL (see {@link #fromPalette}). */
    private static int[] paletteRgb(IndexColorModel palette, int entries) {
        int known = Math.min(Math.min(entries, palette.getMapSize()), 256);
        int[] rgb = new int[256];
        for (int i = 0; i < 256; i++) {
            rgb[i] = i < known ? palette.getRGB(i) & 0xffffff : i << 16 | i << 8 | i;
        }
        return rgb;
    }

    private static RgbImage fromCmyk(Raster raster) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        byte[] out = new byte[w * h * 3];
        int[][] rows = new int[4][w];
        int[] bits = new int[4];
        for (int c = 0; c < 4; c++) {
            bits[c] = raster.getSampleModel().getSampleSize(c);
        }
        for (int y = 0; y < h; y++) {
            for (int c = 0; c < 4; c++) {
                raster.getSamples(raster.getMinX(), raster.getMinY() + y, w, 1, c, rows[c]);
            }
            for (int x = 0; x < w; x++) {
                JpegColor.cmykToRgb(to8Bit(rows[0][x], bits[0]), to8Bit(rows[1][x], bits[1]),
                        to8Bit(rows[2][x], bits[2]), to8Bit(rows[3][x], bits[3]), out, (y * w + x) * 3);
            }
        }
        return new RgbImage(w, h, out);
    }

    private static RgbImage viaJava2d(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] out = new byte[w * h * 3];
        int[] row = new int[w];
        int o = 0;
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int argb = row[x];
                out[o++] = (byte) (argb >> 16);
                out[o++] = (byte) (argb >> 8);
                out[o++] = (byte) argb;
            }
        }
        return new RgbImage(w, h, out);
    }

    /** A sample of the given bit depth as 0-255 (see the class comment for the rules). */
    static int to8Bit(int value, int bits) {
        if (bits == 8) {
            return value & 0xff;
        }
        if (bits == 16) {
            return (value & 0xffff) >> 8;
        }
        long max = (1L << bits) - 1;
        long v = value & max;
        return (int) (v * 255 / max);
    }
}
