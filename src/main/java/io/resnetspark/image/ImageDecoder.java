package io.resnetspark.image;

import java.io.Serializable;
import java.util.Objects;

/**
 * Decodes encoded images (JPEG, MPO, PNG, APNG, GIF, BMP, TIFF, WebP) into {@link RgbImage}s with
 * the pixel values of torchvision's PIL pipeline, {@code
 * ImageOps.exif_transpose(Image.open(f)).convert("RGB")} with PIL 9.4, or says why it cannot with
 * an {@link InvalidImageException} whose reason is a stable code. It never lets a reader's
 * unchecked exception escape, and refuses images over a pixel limit from their header, before pixel
 * memory is allocated.
 *
 * <p>Formats are recognised from their leading bytes. Per format:
 *
 * <ul>
 *   <li>JPEG (and MPO, whose first image is a JPEG): baseline, extended and progressive, 8-bit, 1
 *       (grey), 3 (YCbCr or RGB) or 4 (CMYK, YCCK) components, decoded by the JDK's libjpeg to the
 *       same values as PIL's libjpeg-turbo (see {@link JpegDecoder}). ICC profiles are removed
 *       before decoding, as PIL ignores them (a broken one does not matter). A JPEG cut short is
 *       {@code truncated}, as in PIL. Lossless, hierarchical, arithmetic-coded and 12-bit JPEGs are
 *       {@code unsupported_format}.
 *   <li>PNG (all bit depths, palette, grey, grey+alpha, RGB, RGBA, interlaced; APNG: the default
 *       image): 16-bit colour keeps its high byte, as PIL.
 *   <li>GIF: the first frame, on its logical screen, decoded as PIL decodes it ({@link GifDecoder}).
 *   <li>BMP (TwelveMonkeys: all bit depths, bitfields, top-down, OS/2 headers); RLE4/RLE8 as PIL
 *       decodes them ({@link BmpRle}).
 *   <li>TIFF (TwelveMonkeys, BigTIFF too): the first page; strips, tiles, planes; LZW, Deflate,
 *       PackBits, JPEG, CCITT, and LZMA, Zstandard and WebP where the machine has the native
 *       library ({@link TiffRecompressor}; else {@code unsupported_format}, named); grey, palette,
 *       RGB, CMYK, YCbCr, CIELab.
 *   <li>WebP: by libwebp, PIL's own decoder, where the machine has it ({@link LibWebp}), else by
 *       TwelveMonkeys' pure-Java decoder (lossless exact, lossy about 1.6 levels off); animated:
 *       the first frame on its canvas.
 *   <li>Alpha is dropped, not composited, and palettes expanded, as {@code convert("RGB")} does.
 *   <li>Single-channel images of more than 8 bits: see {@link HighBitDepth} (default: PIL's clip).
 * </ul>
 *
 * <p>Orientation is applied by default, where and as {@code ImageOps.exif_transpose} applies it:
 * the EXIF orientation of JPEG, PNG ({@code eXIf}, the legacy "Raw profile type exif" text, XMP)
 * and WebP, and a TIFF's Orientation tag (see {@link OrientationMetadata}). Pass {@code
 * applyExifOrientation = false} for a pipeline without {@code exif_transpose}.
 *
 * <p>Thread-safe: one decoder may serve any number of threads; every call creates its own ImageIO
 * reader (readers are not thread-safe) and disposes of it. Serializable, so that it can travel in
 * a Spark closure.
 */
public final class ImageDecoder implements Serializable {

    private static final long serialVersionUID = 1L;

    /**
     * PIL's decompression-bomb error threshold ({@code 2 * Image.MAX_IMAGE_PIXELS}): images with
     * more pixels are refused from their header. 537 MB as RGB bytes.
     */
    public static final long DEFAULT_MAX_PIXELS = 178_956_970L;

    private final long maxPixels;
    private final boolean applyExifOrientation;
    private final HighBitDepth highBitDepth;
    private final JpegDecoder jpeg;
    private final ImageIoDecoder others;

    /** A decoder with {@link #DEFAULT_MAX_PIXELS} that applies EXIF orientation. */
    public ImageDecoder() {
        this(DEFAULT_MAX_PIXELS);
    }

    /**
     * A decoder that applies EXIF orientation.
     *
     * @param maxPixels largest width x height accepted, 1 to {@link RgbImage#MAX_PIXELS}
     */
    public ImageDecoder(long maxPixels) {
        this(maxPixels, true);
    }

    /**
     * A decoder that clips high-bit-depth grey as PIL does ({@link HighBitDepth#CLIP}).
     *
     * @param maxPixels largest width x height accepted, 1 to {@link RgbImage#MAX_PIXELS}
     * @param applyExifOrientation whether to turn images upright as their orientation metadata says
     */
    public ImageDecoder(long maxPixels, boolean applyExifOrientation) {
        this(maxPixels, applyExifOrientation, HighBitDepth.CLIP);
    }

    /**
     * @param maxPixels largest width x height accepted, 1 to {@link RgbImage#MAX_PIXELS}
     * @param applyExifOrientation whether to turn images upright as their orientation metadata says
     * @param highBitDepth how 16-bit, 32-bit and float grey samples become 8-bit
     */
    public ImageDecoder(long maxPixels, boolean applyExifOrientation, HighBitDepth highBitDepth) {
        if (maxPixels < 1 || maxPixels > RgbImage.MAX_PIXELS) {
            throw new IllegalArgumentException(
                    "maxPixels must be between 1 and " + RgbImage.MAX_PIXELS + ", got " + maxPixels);
        }
        this.maxPixels = maxPixels;
        this.applyExifOrientation = applyExifOrientation;
        this.highBitDepth = Objects.requireNonNull(highBitDepth, "highBitDepth");
        this.jpeg = new JpegDecoder(maxPixels);
        this.others = new ImageIoDecoder(maxPixels, highBitDepth);
    }

    public long maxPixels() {
        return maxPixels;
    }

    public boolean appliesExifOrientation() {
        return applyExifOrientation;
    }

    public HighBitDepth highBitDepth() {
        return highBitDepth;
    }

    /**
     * Decodes one encoded image.
     *
     * @param encoded the file's bytes; not modified
     * @return the image, upright if EXIF orientation is applied
     * @throws InvalidImageException with reason {@code empty}, {@code not_an_image}, {@code
     *     unsupported_format}, {@code truncated}, {@code corrupt} or {@code too_large}
     */
    public RgbImage decode(byte[] encoded) throws InvalidImageException {
        Objects.requireNonNull(encoded, "encoded");
        ImageFormat format = ImageFormat.detect(encoded);
        try {
            if (format == ImageFormat.JPEG) {
                JpegHeader header = JpegHeader.parse(encoded);
                Decoding.checkSize(format, header.width(), header.height(), maxPixels);
                RgbImage image = jpeg.decode(encoded, header);
                return applyExifOrientation ? ExifOrientation.apply(image, header.orientation()) : image;
            }
            RgbImage image = others.decode(format, encoded);
            int orientation = OrientationMetadata.read(format, encoded);
            if (format == ImageFormat.TIFF) {
                // PIL 9.4's TIFF loader already turns the image as its Orientation tag says, and
                // exif_transpose then turns it once more (net: 6 and 8 rotate by 180, the others
                // cancel out). Parity with torchvision's PIL pipeline means doing the same.
                image = ExifOrientation.apply(image, orientation);
            }
            return applyExifOrientation ? ExifOrientation.apply(image, orientation) : image;
        } catch (RuntimeException e) {
            // The readers' unchecked exceptions are already reported as corrupt files; this is the
            // safety net for anything else, so that one bad file can never fail a whole batch.
            throw new InvalidImageException(InvalidImageException.CORRUPT,
                    "unexpected error decoding a " + format + " of " + encoded.length + " bytes: " + e, e);
        }
    }

    /**
     * Converts the pixels of Spark's image data source ({@code spark.read.format("image")}): rows
     * top to bottom, no padding, 8-bit samples in OpenCV's order.
     *
     * @param data the {@code image.data} bytes
     * @param width {@code image.width}
     * @param height {@code image.height}
     * @param nChannels {@code image.nChannels}: 1 (grey), 3 (B, G, R) or 4 (B, G, R, A; alpha dropped)
     * @throws InvalidImageException {@code not_an_image} for Spark's row of an undecodable file
     *     (size -1), {@code empty} for no data, {@code unsupported_format} for other channel counts,
     *     {@code corrupt} when the data length does not match, {@code too_large} past {@link
     *     RgbImage#MAX_PIXELS}
     */
    public static RgbImage fromBgr(byte[] data, int width, int height, int nChannels) throws InvalidImageException {
        if (width < 0 || height < 0 || nChannels < 0) {
            throw new InvalidImageException(InvalidImageException.NOT_AN_IMAGE,
                    "Spark's image source could not decode this file (invalid image row)");
        }
        if (data == null || data.length == 0 || width == 0 || height == 0) {
            throw new InvalidImageException(InvalidImageException.EMPTY,
                    "image row without pixels (" + width + "x" + height + ")");
        }
        if (nChannels != 1 && nChannels != 3 && nChannels != 4) {
            throw new InvalidImageException(InvalidImageException.UNSUPPORTED_FORMAT,
                    nChannels + "-channel image rows are not supported (1, 3 or 4)");
        }
        long pixels = (long) width * height;
        if (pixels > RgbImage.MAX_PIXELS) {
            throw new InvalidImageException(InvalidImageException.TOO_LARGE,
                    width + "x" + height + " exceeds " + RgbImage.MAX_PIXELS + " pixels");
        }
        if (data.length != pixels * nChannels) {
            throw new InvalidImageException(InvalidImageException.CORRUPT, String.format(
                    "%dx%d x %d channels needs %d bytes, the row has %d", width, height, nChannels, pixels * nChannels, data.length));
        }
        int count = (int) pixels;
        byte[] rgb = new byte[count * 3];
        int in = 0;
        int out = 0;
        for (int i = 0; i < count; i++, in += nChannels, out += 3) {
            if (nChannels == 1) {
                rgb[out] = data[in];
                rgb[out + 1] = data[in];
                rgb[out + 2] = data[in];
            } else {
                rgb[out] = data[in + 2];
                rgb[out + 1] = data[in + 1];
                rgb[out + 2] = data[in];
            }
        }
        return new RgbImage(width, height, rgb);
    }
}
