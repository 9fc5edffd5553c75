package io.resnetspark.image;

/**
 * Whether an encoded image was cut short, judged from its container structure alone (chunk and
 * block lengths, declared file sizes), without decoding pixels.
 *
 * <p>Readers do not say so reliably: the JDK's PNG reader reports "Error reading PNG image data",
 * and TwelveMonkeys' lossless WebP decoder returns a cut file without any complaint. Checking the
 * structure tells "the transfer was interrupted" ({@code truncated}) from "the content is wrong"
 * ({@code corrupt}).
 */
final class Truncation {

    private Truncation() {}

    /**
     * True when the data ends before the structure it declares.
     *
     * <ul>
     *   <li>PNG: a chunk runs past the end, or the data ends before IEND.
         *   <li>BMP: shorter than the file size in its header.
     *   <li>WebP: shorter than the RIFF size in its header.
     *   <li>JPEG: no EOI marker after the first scan.
     *   <li>TIFF: the first directory, or a strip or tile of the first image, lies past the end.
     * </ul>
     */
    static boolean isCutShort(ImageFormat format, byte[] data) {
        try {
            return cutShort(format, data);
        } catch (RuntimeException e) {
            return false; // a structure too broken to walk is corrupt rather than cut
        }
    }

    private static boolean cutShort(ImageFormat format, byte[] data) {
        return switch (format) {
            case PNG -> pngCutShort(data);
            case GIF -> false; // GifDecoder tells a cut frame from a broken one itself
            case BMP -> data.length < 14 || unsignedLittleEndian(data, 2) > data.length;
            case WEBP -> data.length < 12 || 8 + unsignedLittleEndian(data, 4) > data.length;
            case JPEG -> !JpegHeader.hasEndOfImage(data, 2);
            case TIFF -> tiffCutShort(data);
        };
    }

    private static boolean pngCutShort(byte[] data) {
        long pos = 8;
        while (pos + 8 <= data.length) {
            long length = ImageFormat.bigEndianInt(data, (int) pos) & 0xffffffffL;
            long end = pos + 12 + length;
            if (end > data.length) {
                return true;
            }
            if (ImageFormat.startsWithAscii(data, (int) pos + 4, "IEND")) {
                return false;
            }
            pos = end;
        }
        return true;
    }

    private static final int STRIP_OFFSETS = 273;
    private static final int STRIP_BYTE_COUNTS = 279;
    private static final int TILE_OFFSETS = 324;
    private static final int TILE_BYTE_COUNTS = 325;

    private static boolean tiffCutShort(byte[] data) {
        if (data.length < 8) {
            return true;
        }
        if (ImageFormat.isBigTiff(data)) {
            return false; // 64-bit offsets: leave the judgement to the reader
        }
        boolean little = data[0] == 'I';
        long ifd = Bytes.u32(data, 4, little);
        if (ifd + 2 > data.length) {
            return true;
        }
        int entries = Bytes.u16(data, (int) ifd, little);
        if (ifd + 2 + 12L * entries > data.length) {
            return true;
        }
        long[] offsets = null;
        long[] counts = null;
        for (int i = 0; i < entries; i++) {
            int entry = (int) ifd + 2 + 12 * i;
            int tag = Bytes.u16(data, entry, little);
            if (tag == STRIP_OFFSETS || tag == TILE_OFFSETS || tag == STRIP_BYTE_COUNTS || tag == TILE_BYTE_COUNTS) {
                long[] values = TiffDirectory.values(data, entry, little);
                if (values == null) {
                    return true; // the value array itself lies past the end
                }
                if (tag == STRIP_OFFSETS || tag == TILE_OFFSETS) {
                    offsets = values;
                } else {
                    counts = values;
                }
            }
        }
        if (offsets == null || counts == null) {
            return false;
        }
        for (int i = 0; i < Math.min(offsets.length, counts.length); i++) {
            if (offsets[i] + counts[i] > data.length) {
                return true;
            }
        }
        return false;
    }

    private static long unsignedLittleEndian(byte[] data, int offset) {
        return ImageFormat.littleEndianInt(data, offset) & 0xffffffffL;
    }
}
