package io.resnetspark.image;

import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;
import io.resnetspark.image.JpegHeader.JpegColorSpace;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.Serializable;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes JPEGs to RGB with the same values as PIL, using the JDK's reader (IJG libjpeg, whose ISLOW
 * IDCT, "fancy" upsampling and YCbCr to RGB conversion libjpeg-turbo reproduces bit for bit).
 *
 * <p>Two paths, the same values:
 *
 * <ul>
 *   <li>Fast: for grey and ordinary YCbCr JPEGs ({@link JpegHeader#jdkConvertsAlike()}), libjpeg
 *       converts to RGB natively, straight into the pixel array of the result (a destination image
 *       whose layout is R, G, B interleaved, so the JDK copies whole lines).
 *   <li>Raw: for the others (CMYK, YCCK, Adobe RGB, unusual component IDs) the reader
 *       returns raw components (readRaster) and {@link JpegColor} converts them with libjpeg's and
 *       PIL's integer arithmetic, after deciding the colour space as libjpeg-turbo does.
 * </ul>
 *
 * <p>Measured on 200 photo-like 500x375 / 375x500 JPEGs (quality 90, ~83 KB), one thread, on a
 * shared 2-core machine: the JDK's read() into its default TYPE_3BYTE_BGR image 475-510 images/s,
 * TwelveMonkeys 3.14's reader (which wraps the same libjpeg) 400-495, readRaster plus the Java
 * conversion about 500, the fast path 670-755 (about 1.4 ms per image). PIL 9.4 with
 * libjpeg-turbo's SIMD decoder reaches 570-730 images/s on the same files.
 *
 * <p>A JPEG that ends before its image data does is rejected as {@code truncated}, like PIL (which
 * raises "image file is truncated"), although libjpeg would return it with grey lower rows: such a
 * file is an interrupted transfer, and a silently half-grey image would bias the model's output.
 * Other libjpeg warnings (e.g. "Corrupt JPEG data: extraneous bytes") are tolerated, as PIL
 * tolerates them.
 */
final class JpegDecoder implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The JDK reader's warning when libjpeg ran out of data (libjpeg's JWRN_JPEG_EOF). */
    private static final String JDK_TRUNCATION_WARNING = "Truncated File";
    /** The same from libjpeg's own message table, in case a reader passes it on verbatim. */
    private static final String LIBJPEG_TRUNCATION_WARNING = "Premature end of JPEG file";

    private static final int[] RGB_BAND_OFFSETS = {0, 1, 2};
    private static final ColorModel RGB_MODEL = new ComponentColorModel(
            ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false, Transparency.OPAQUE, DataBuffer.TYPE_BYTE);

    private final long maxPixels;

    JpegDecoder(long maxPixels) {
        this.maxPixels = maxPixels;
    }

    /**
     * @param header the markers, already parsed (their size was checked against the limit)
     * @return the image as stored, before any EXIF orientation
     */
    RgbImage decode(byte[] data, JpegHeader header) throws InvalidImageException {
        try {
            return decodeWith(ReaderProviders.reader(ImageFormat.JPEG), header.withoutIccProfile(data), header);
        } catch (IOException | RuntimeException e) {
            // libjpeg errors ("Bogus marker length", "Unsupported marker type"...) and unchecked
            // exceptions of the reader on garbage are a bad file, not a bug of the caller.
            throw Decoding.classify(ImageFormat.JPEG, data, e, !JpegHeader.hasEndOfImage(data, header.scanOffset()));
        }
    }

    private RgbImage decodeWith(ImageReader reader, byte[] data, JpegHeader header)
            throws IOException, InvalidImageException {
        TruncationListener warnings = new TruncationListener();
        try (ImageInputStream input = new ByteArrayImageInputStream(data)) {
            reader.setInput(input, true, true);
            reader.addIIOReadWarningListener(warnings);
            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            Decoding.checkSize(ImageFormat.JPEG, width, height, maxPixels);
            RgbImage image;
            if (header.jdkConvertsAlike()) {
                byte[] pixels = new byte[width * height * 3];
                ImageReadParam param = reader.getDefaultReadParam();
                param.setDestination(rgbImageOver(pixels, width, height));
                reader.read(0, param);
                image = new RgbImage(width, height, pixels);
            } else {
                image = toRgb(reader.readRaster(0, null), header.colorSpace());
            }
            if (warnings.truncated) {
                throw new InvalidImageException(InvalidImageException.TRUNCATED,
                        "JPEG ends before its image data does (" + warnings.message + ")");
            }
            return image;
        } finally {
            reader.dispose();
        }
    }

    /** An sRGB image whose samples are the given array, R, G, B interleaved, rows back to back. */
    private static BufferedImage rgbImageOver(byte[] pixels, int width, int height) {
        WritableRaster raster = Raster.createInterleavedRaster(
                new DataBufferByte(pixels, pixels.length), width, height, width * 3, 3, RGB_BAND_OFFSETS, null);
        return new BufferedImage(RGB_MODEL, raster, false, null);
    }

    /** Converts the raw components of a JPEG raster, reusing its array when the layout allows. */
    static RgbImage toRgb(Raster raster, JpegColorSpace colorSpace) throws InvalidImageException {
        int w = raster.getWidth();
        int h = raster.getHeight();
        int bands = raster.getNumBands();
        int expectedBands = switch (colorSpace) {
            case GRAY -> 1;
            case YCBCR, RGB -> 3;
            case CMYK, YCCK -> 4;
        };
        if (bands != expectedBands) {
            throw new InvalidImageException(InvalidImageException.CORRUPT,
                    "JPEG decoded to " + bands + " components, its header says " + expectedBands);
        }
        RasterSamples samples = RasterSamples.of(raster);
        if (samples == null) {
            throw new InvalidImageException(InvalidImageException.UNSUPPORTED_FORMAT,
                    "JPEG reader returned an unexpected raster layout " + raster.getSampleModel());
        }
        if (bands == 3 && samples.isPacked(w, h, 3)) {
            byte[] pixels = samples.data();
            if (colorSpace == JpegColorSpace.YCBCR) {
                JpegColor.yccToRgbInPlace(pixels, 0, w * h);
            }
            return new RgbImage(w, h, pixels);
        }
        byte[] out = new byte[w * h * 3];
        byte[] in = samples.data();
        int[] offsets = samples.bandOffsets();
        int o = 0;
        for (int y = 0; y < h; y++) {
            int p = samples.base() + y * samples.scanlineStride();
            for (int x = 0; x < w; x++, p += samples.pixelStride(), o += 3) {
                switch (colorSpace) {
                    case GRAY -> {
                        byte v = in[p + offsets[0]];
                        out[o] = v;
                        out[o + 1] = v;
                        out[o + 2] = v;
                    }
                    case YCBCR, RGB -> {
                        out[o] = in[p + offsets[0]];
                        out[o + 1] = in[p + offsets[1]];
                        out[o + 2] = in[p + offsets[2]];
                    }
                    case CMYK, YCCK -> JpegColor.fourComponentsToRgb(
                            in[p + offsets[0]] & 0xff, in[p + offsets[1]] & 0xff,
                            in[p + offsets[2]] & 0xff, in[p + offsets[3]] & 0xff,
                            colorSpace == JpegColorSpace.YCCK, out, o);
                }
            }
        }
        if (colorSpace == JpegColorSpace.YCBCR) {
            JpegColor.yccToRgbInPlace(out, 0, w * h);
        }
        return new RgbImage(w, h, out);
    }

    /** Notes libjpeg's "ran out of data" warning; other warnings are tolerated. */
    private static final class TruncationListener implements javax.imageio.event.IIOReadWarningListener {
        private boolean truncated;
        private String message;

        @Override
        public void warningOccurred(ImageReader source, String warning) {
            if (warning != null
                    && (warning.contains(JDK_TRUNCATION_WARNING) || warning.contains(LIBJPEG_TRUNCATION_WARNING))) {
                truncated = true;
                message = warning;
            }
        }
    }
}
