package io.resnetspark.image;

import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.io.Serializable;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes PNG, GIF (first frame, on its logical screen: {@link GifCanvas}), BMP, TIFF (first page)
 * and WebP with one ImageIO reader per call, then converts the result with {@link RgbConversion}.
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
        // Readers that return a cut file without complaint (TwelveMonkeys' lossless WebP; a GIF cut
        // at a sub-block boundary) are caught by the structure before decoding.
        if ((format == ImageFormat.WEBP || format == ImageFormat.GIF) && Truncation.isCutShort(format, data)) {
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
        GifCanvas.Layout gif = format == ImageFormat.GIF ? GifCanvas.parse(data) : null;
        if (gif != null) {
            Decoding.checkSize(format, gif.canvasWidth(), gif.canvasHeight(), maxPixels);
        }
        try {
            ImageReader reader = ReaderProviders.reader(format);
            try (ImageInputStream input = new ByteArrayImageInputStream(data)) {
                // seekForwardOnly, ignoreMetadata: no text chunks or metadata trees are built.
                reader.setInput(input, true, true);
                Decoding.checkSize(format, reader.getWidth(0), reader.getHeight(0), maxPixels);
                BufferedImage image = reader.read(0, reader.getDefaultReadParam());
                if (format == ImageFormat.PNG && image.getColorModel() instanceof IndexColorModel palette) {
                    // The JDK pads a short palette to the index range; PIL's reads grey there.
                    int entries = PngChunks.paletteEntries(data);
                    return RgbConversion.fromPalette(image.getRaster(), palette, entries < 0 ? palette.getMapSize() : entries);
                }
                if (gif == null) {
                    return RgbConversion.toRgb(image, format, highBitDepth);
                }
                IndexColorModel palette = (IndexColorModel) image.getColorModel();
                RgbImage rgb = RgbConversion.fromPalette(image.getRaster(), palette, gif.colorTableEntries());
                return gif.frameCoversCanvas() ? rgb
                        : GifCanvas.place(rgb, gif, RgbConversion.paletteRgb(palette, gif.colorTableEntries())[gif.fillIndex()]);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            // Plugins throw unchecked exceptions on garbage (IndexOutOfBounds, IllegalArgument,
            // IllegalState, NegativeArraySize...): all are a bad file, not a bug of the caller.
            throw Decoding.classify(format, data, e, Truncation.isCutShort(format, data));
        }
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
