package io.resnetspark.image;

import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.Serializable;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes PNG, GIF, BMP, TIFF (first page) and WebP: with one ImageIO reader per call, whose result
 * {@link RgbConversion} converts, or where PIL's answer needs it with {@link GifDecoder}, {@link
 * BmpRle} (RLE BMPs) and {@link LibWebp}.
 */
final class ImageIoDecoder implements Serializable {

    private static final long serialVersionUID = 1L;

    private final long maxPixels;
    private final HighBitDepth highBitDepth;

    ImageIoDecoder(long maxPixels, HighBitDepth highBitDepth) {
        this.maxPixels = maxPixels;
        this.highBitDepth = highBitDepth;
    }

    RgbImage decode(ImageFormat format, byte[] data) throws InvalidImageException {
        if (format == ImageFormat.GIF) {
            return GifDecoder.decode(data, maxPixels);
        }
        // TwelveMonkeys' lossless WebP decoder returns a cut file without complaint: the structure
        // tells before decoding.
        if (format == ImageFormat.WEBP && Truncation.isCutShort(format, data)) {
            throw new InvalidImageException(InvalidImageException.TRUNCATED,
                    format + " data ends before the image does (" + data.length + " bytes)");
        }
        if (format == ImageFormat.BMP) {
            checkBmpHeaderSize(data);
            int compression = BmpRle.compression(data);
            if (compression == BmpRle.RLE8 || compression == BmpRle.RLE4) {
                return BmpRle.decode(data, maxPixels);
            }
        }
        if (format == ImageFormat.TIFF) {
            long compression = TiffDirectory.first(data, TiffDirectory.COMPRESSION, 1);
            if (TiffRecompressor.reads(compression)) {
                data = TiffRecompressor.toDeflate(data, compression, maxPixels);
            }
            TiffDirectory.checkSupported(data);
        }
        if (format == ImageFormat.WEBP && LibWebp.available()) {
            return isAnimatedWebp(data) ? LibWebp.decodeFirstFrame(data, maxPixels) : LibWebp.decode(data, maxPixels);
        }
        try {
            ImageReader reader = ReaderProviders.reader(format);
            try (ImageInputStream input = new ByteArrayImageInputStream(data)) {
                // seekForwardOnly, ignoreMetadata: no text chunks or metadata trees are built.
                reader.setInput(input, true, true);
                Decoding.checkSize(format, reader.getWidth(0), reader.getHeight(0), maxPixels);
                if (format == ImageFormat.TIFF) {
                    return tiff(reader, data);
                }
                BufferedImage image = reader.read(0, reader.getDefaultReadParam());
                if (format == ImageFormat.PNG && image.getColorModel() instanceof IndexColorModel palette) {
                    // The JDK pads a short palette to the index range; PIL's reads grey there.
                    int entries = PngChunks.paletteEntries(data);
                    return RgbConversion.fromPalette(image.getRaster(), palette, entries < 0 ? palette.getMapSize() : entries);
                }
                return RgbConversion.toRgb(image, format, highBitDepth);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            // Plugins throw unchecked exceptions on garbage (IndexOutOfBounds, IllegalArgument,
            // IllegalState, NegativeArraySize...): all are a bad file, not a bug of the caller.
            throw Decoding.classify(format, data, e, Truncation.isCutShort(format, data));
        }
    }

    /** True for a WebP with an animation (VP8X header flag). */
    private static boolean isAnimatedWebp(byte[] data) {
        return data.length > 20 && ImageFormat.startsWithAscii(data, 12, "VP8X") && (data[20] & 0x02) != 0;
    }

    /**
     * A TIFF's first page. Two interpretations TwelveMonkeys' reader makes differently from PIL:
     * CIELab, which it converts with its own colour conversion (the raw samples are taken and
     * converted as PIL does, {@link CieLab}), and associated alpha, whose colours PIL divides by
     * alpha.
     */
    private RgbImage tiff(ImageReader reader, byte[] data) throws IOException, InvalidImageException {
        if (TiffDirectory.first(data, TiffDirectory.PHOTOMETRIC, -1) == TiffDirectory.PHOTOMETRIC_CIELAB) {
            Raster raster = reader.readRaster(0, reader.getDefaultReadParam());
            if (raster.getNumBands() == 3 && raster.getSampleModel().getSampleSize(0) == 8) {
                return CieLab.toRgb(raster);
            }
        }
        BufferedImage image = reader.read(0, reader.getDefaultReadParam());
        RgbImage rgb = RgbConversion.toRgb(image, ImageFormat.TIFF, highBitDepth);
        boolean associatedAlpha = TiffDirectory.first(data, TiffDirectory.EXTRA_SAMPLES, 0) == TiffDirectory.ASSOCIATED_ALPHA;
        return associatedAlpha && image.getRaster().getNumBands() == 4 ? RgbConversion.unpremultiplied(rgb, image.getRaster()) : rgb;
    }

    /**
     * The JDK's BMP reader refuses a header with a huge size as "Unable to read the image header"
     * instead of reporting the size, so the BMP bomb check reads the size itself: 16-bit fields in
     * the old 12-byte OS/2 header, 32-bit ones (height negative for top-down rows) otherwise.
     */
    private void checkBmpHeaderSize(byte[] data) throws InvalidImageException {
        if (data.length < 26) {
            return; // too short to hold a size; the reader reports it
        }
        boolean core = ImageFormat.littleEndianInt(data, 14) == 12;
        long width = core ? (data[18] & 0xff) | (data[19] & 0xff) << 8 : ImageFormat.littleEndianInt(data, 18);
        long height = core ? (data[20] & 0xff) | (data[21] & 0xff) << 8 : Math.abs((long) ImageFormat.littleEndianInt(data, 22));
        if (width > 0 && width * height > maxPixels) {
            throw new InvalidImageException(InvalidImageException.TOO_LARGE, String.format(
                    "BMP of %dx%d = %d pixels exceeds the limit of %d pixels", width, height, width * height, maxPixels));
        }
    }
}
