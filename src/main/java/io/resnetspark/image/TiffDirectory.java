package io.resnetspark.image;

import java.util.Map;

/**
 * Reads entries of the first image directory (IFD0) of a classic TIFF, for the few tags whose
 * meaning the decoder needs before or beside the reader: strip and tile extents, compression, the
 * photometric interpretation, extra samples and the predictor.
 */
final class TiffDirectory {

    static final int PHOTOMETRIC = 262;
    static final int EXTRA_SAMPLES = 338;
    static final int PREDICTOR = 317;
    static final int PLANAR_CONFIGURATION = 284;

    /** Photometric interpretation CIELab (TIFF 6.0, section 23). */
    static final int PHOTOMETRIC_CIELAB = 8;
    /** ExtraSamples value for associated (premultiplied) alpha. */
    static final int ASSOCIATED_ALPHA = 1;
    /** Predictor value of the floating-point predictor (Adobe tech note 3). */
    static final int FLOATING_POINT_PREDICTOR = 3;

    static final int COMPRESSION = 259;

    /**
     * Compressions TwelveMonkeys' reader does not read, by name. PIL's libtiff reads LZMA,
     * Zstandard and WebP strips; {@link TiffRecompressor} turns them into Deflate first where the
     * machine has the native library, so they get here only where it has not.
     */
    private static final Map<Long, String> UNREAD_COMPRESSIONS = Map.of(
            34925L, "LZMA", 50000L, "Zstandard", 50001L, "WebP", 34712L, "JPEG 2000", 34887L, "LERC",
            34661L, "JBIG", 34676L, "SGI LogLuv", 34677L, "SGI LogLuv 24-bit", 32809L, "ThunderScan");

    private TiffDirectory() {}

    /**
     * Refuses, naming the problem, what the reader cannot decode: compressions it does not know,
     * CIELab in separate planes, and the floating-point predictor, for which TwelveMonkeys' reader
     * returns garbage rather than an error.
     */
    static void checkSupported(byte[] data) throws InvalidImageException {
        String compression = UNREAD_COMPRESSIONS.get(first(data, COMPRESSION, 1));
        if (compression != null) {
            throw new InvalidImageException(InvalidImageException.UNSUPPORTED_FORMAT,
                    "TIFF with " + compression + " compression (" + first(data, COMPRESSION, 1) + ") is not supported");
        }
        if (first(data, PHOTOMETRIC, -1) == PHOTOMETRIC_CIELAB && first(data, PLANAR_CONFIGURATION, 1) == 2) {
            throw new InvalidImageException(InvalidImageException.UNSUPPORTED_FORMAT,
                    "CIELab TIFF with separate planes (PlanarConfiguration 2) is not supported");
        }
        if (first(data, PREDICTOR, 1) == FLOATING_POINT_PREDICTOR) {
            throw new InvalidImageException(InvalidImageException.UNSUPPORTED_FORMAT,
                    "TIFF with the floating-point predictor (Predictor 3) is not supported");
        }
    }

    /** The first value of a SHORT or LONG entry of IFD0, or {@code absent} (also for BigTIFF). */
    static long first(byte[] data, int tag, long absent) {
        int entry = entry(data, tag);
        if (entry < 0) {
            return absent;
        }
        long[] values = values(data, entry, data[0] == 'I');
        return values == null || values.length == 0 ? absent : values[0];
    }

    /** The offset of IFD0's entry for a tag, or -1 (none, a BigTIFF, or a directory past the end). */
    static int entry(byte[] data, int tag) {
        if (data.length < 8 || ImageFormat.isBigTiff(data)) {
            return -1;
        }
        boolean little = data[0] == 'I';
        long ifd = Bytes.u32(data, 4, little);
        if (ifd + 2 > data.length) {
            return -1;
        }
        int count = Bytes.u16(data, (int) ifd, little);
        for (int i = 0; i < count; i++) {
            int entry = (int) ifd + 2 + 12 * i;
            if (entry + 12 > data.length) {
                return -1;
            }
            if (Bytes.u16(data, entry, little) == tag) {
                return entry;
            }
        }
        return -1;
    }

    /** The SHORT or LONG values of a directory entry, or null if they lie past the end. */
    static long[] values(byte[] data, int entry, boolean little) {
        int type = Bytes.u16(data, entry + 2, little);
        long count = Bytes.u32(data, entry + 4, little);
        int size = type == 3 ? 2 : 4;
        if (count > 1 << 20) {
            return new long[0]; // implausible; leave the judgement to the reader
        }
        long at = count * size <= 4 ? entry + 8 : Bytes.u32(data, entry + 8, little);
        if (at + count * size > data.length) {
            return null;
        }
        long[] values = new long[(int) count];
        for (int i = 0; i < count; i++) {
            int p = (int) at + i * size;
            values[i] = size == 2 ? Bytes.u16(data, p, little) : Bytes.u32(data, p, little);
        }
        return values;
    }
}
