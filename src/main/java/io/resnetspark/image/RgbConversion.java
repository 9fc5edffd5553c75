package io.resnetspark.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

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
 *   <li>Palette: the palette's RGB (a transparent index keeps its colour, as PIL).
 *   <li>16-bit samples: the high byte ({@code v >> 8}), as PIL does for 16-bit RGB(A) PNGs. For
 *       16-bit <em>grey</em> PNGs PIL instead clips ({@code min(v, 255)}, via mode "I"), which makes
 *       almost every pixel white; the high byte is the correct value, so this decoder differs there.
 *   <li>1, 2, 4-bit samples: scaled to 0-255 ({@code v * 255 / (2^bits - 1)}, exact for these
 *       depths); other depths the same, truncated, like PIL's 5-6-bit BMP unpackers.
 *   <li>CMYK (TIFF): PIL's naive formula; other colour spaces (e.g. Lab TIFF) go through Java2D's
 *       conversion, as there is no PIL-equal answer to give.
 * </ul>
 */
final class RgbConversion {

    private RgbConversion() {}

    static RgbImage toRgb(BufferedImage image, ImageFormat format) throws InvalidImageException {
        ColorModel model = image.getColorModel();
        Raster raster = image.getRaster();
        int transfer = raster.getTransferType();
        if (transfer == DataBuffer.TYPE_FLOAT || transfer == DataBuffer.TYPE_DOUBLE) {
            throw new InvalidImageException(InvalidImageException.UNSUPPORTED_FORMAT,
                    format + " with floating-point samples is not supported");
        }
        if (model instanceof IndexColorModel palette) {
            return fromPalette(raster, palette);
        }
        ColorSpace space = model.getColorSpace();
        int colors = model.getNumColorComponents();
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

    private static RgbImage fromPalette(Raster raster, IndexColorModel palette) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        int size = palette.getMapSize();
        // Indexes beyond the palette read as black, as PIL's zero-filled 256-entry palette does.
        byte[] reds = new byte[256];
        byte[] greens = new byte[256];
        byte[] blues = new byte[256];
        byte[] r = new byte[size];
        byte[] g = new byte[size];
        byte[] b = new byte[size];
        palette.getReds(r);
        palette.getGreens(g);
        palette.getBlues(b);
        System.arraycopy(r, 0, reds, 0, Math.min(size, 256));
        System.arraycopy(g, 0, greens, 0, Math.min(size, 256));
        System.arraycopy(b, 0, blues, 0, Math.min(size, 256));
        byte[] out = new byte[w * h * 3];
        int[] row = new int[w];
        int o = 0;
        for (int y = 0; y < h; y++) {
            raster.getSamples(raster.getMinX(), raster.getMinY() + y, w, 1, 0, row);
            for (int x = 0; x < w; x++) {
                int index = row[x] & 0xff;
                out[o++] = reds[index];
                out[o++] = greens[index];
                out[o++] = blues[index];
            }
        }
        return new RgbImage(w, h, out);
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
