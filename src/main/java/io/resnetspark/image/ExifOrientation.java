package io.resnetspark.image;

/**
 * The EXIF orientation tag (0x0112): how a camera's stored pixels must be turned to display
 * upright. Values 1-8 follow the TIFF/EXIF specification; the transforms are those of PIL's {@code
 * ImageOps.exif_transpose}.
 *
 * <p>A plain torchvision pipeline ({@code Image.open(f).convert("RGB")}) does <em>not</em> apply
 * the tag, so a portrait photo taken with a rotated phone reaches the model sideways. {@link
 * ImageDecoder} applies it by default; see there.
 */
final class ExifOrientation {

    /** The tag value for "pixels are stored upright": nothing to do. */
    static final int NORMAL = 1;

    /** What {@link #fromTiff} returns when IFD0 has no orientation entry at all. */
    static final int ABSENT = 0;

    private static final int ORIENTATION_TAG = 0x0112;

    /** Bytes per value of the TIFF field types PIL reads as numbers, by type code (0: not numeric). */
    private static final int[] NUMERIC_SIZE = {0, 0, 0, 2, 4, 8, 1, 0, 2, 4, 8, 4, 8, 4};

    private static final int TYPE_BYTE = 1;
    private static final int TYPE_ASCII = 2;
    private static final int TYPE_UNDEFINED = 7;

    private ExifOrientation() {}

    /**
     * Reads the orientation from a TIFF structure (an EXIF payload after its "Exif\0\0" prefix, or
     * a TIFF file), looking only at IFD0, with the rules of PIL 9.4's {@code Image.getexif()}, which
     * {@code ImageOps.exif_transpose} uses:
     *
     * <ul>
     *   <li>the last orientation entry counts; entries after a cut in the entry table are lost;
     *   <li>a numeric entry (SHORT, LONG, SBYTE, SSHORT, SLONG, RATIONAL, SRATIONAL, FLOAT,
     *       DOUBLE) gives its first value, even when it holds several; a value that equals a whole
     *       number 1-8 is an orientation, any other value means "upright";
     *   <li>BYTE, ASCII and UNDEFINED entries are kept as bytes or text, which no transposition
     *       matches: upright, but present (see {@link #ABSENT});
     *   <li>an entry whose values lie past the end is skipped, as PIL skips it.
     * </ul>
     *
     * Anything malformed reads as upright: a broken EXIF block must not make a decodable image
     * unusable.
     *
     * @param data the bytes holding the TIFF structure
     * @param start offset of the TIFF header ("II" or "MM")
     * @param end offset just past the structure
     * @return 1-8, or {@link #ABSENT} when IFD0 has no readable orientation entry
     */
    static int fromTiff(byte[] data, int start, int end) {
        if (start < 0 || end > data.length || end - start < 8) {
            return ABSENT;
        }
        boolean little;
        if (data[start] == 'I' && data[start + 1] == 'I') {
            little = true;
        } else if (data[start] == 'M' && data[start + 1] == 'M') {
            little = false;
        } else {
            return ABSENT;
        }
        // PIL also accepts the magic number 42 in the wrong byte order.
        int magic = Bytes.u16(data, start + 2, little);
        if (magic != 42 && magic != 42 << 8) {
            return ABSENT;
        }
        long ifd = Bytes.u32(data, start + 4, little);
        if (ifd > end - start - 2) {
            return ABSENT;
        }
        int entries = start + (int) ifd;
        int count = Bytes.u16(data, entries, little);
        int orientation = ABSENT;
        for (int i = 0; i < count; i++) {
            int entry = entries + 2 + 12 * i;
            if (entry + 12 > end) {
                break;
            }
            if (Bytes.u16(data, entry, little) == ORIENTATION_TAG) {
                int value = entryValue(data, start, end, entry, little);
                orientation = value == ABSENT ? orientation : value;
            }
        }
        return orientation;
    }

    /** The orientation one entry gives (1 for values that are no orientation), or ABSENT if unreadable. */
    private static int entryValue(byte[] data, int start, int end, int entry, boolean little) {
        int type = Bytes.u16(data, entry + 2, little);
        long values = Bytes.u32(data, entry + 4, little);
        if (type == TYPE_BYTE || type == TYPE_ASCII || type == TYPE_UNDEFINED) {
            long size = values;
            long at = size <= 4 ? entry + 8 : start + Bytes.u32(data, entry + 8, little);
            return values > 0 && at + size <= end ? NORMAL : ABSENT;
        }
        int size = type < NUMERIC_SIZE.length ? NUMERIC_SIZE[type] : 0;
        if (size == 0 || values == 0) {
            return ABSENT; // PIL ignores unknown types and empty entries
        }
        long total = values * size;
        long at = total <= 4 ? entry + 8 : start + Bytes.u32(data, entry + 8, little);
        if (at + total > end) {
            return ABSENT;
        }
        int p = (int) at;
        double value = switch (type) {
            case 3 -> Bytes.u16(data, p, little);
            case 4, 13 -> Bytes.u32(data, p, little);
            case 6 -> data[p];
            case 8 -> (short) Bytes.u16(data, p, little);
            case 9 -> (int) Bytes.u32(data, p, little);
            case 5 -> ratio(Bytes.u32(data, p, little), Bytes.u32(data, p + 4, little));
            case 10 -> ratio((int) Bytes.u32(data, p, little), (int) Bytes.u32(data, p + 4, little));
            case 11 -> Float.intBitsToFloat((int) Bytes.u32(data, p, little));
            default -> Double.longBitsToDouble(u64(data, p, little));
        };
        return value >= 1 && value <= 8 && value == Math.rint(value) ? (int) value : NORMAL;
    }

    private static long u64(byte[] data, int offset, boolean little) {
        long first = Bytes.u32(data, offset, little);
        long second = Bytes.u32(data, offset + 4, little);
        return little ? second << 32 | first : first << 32 | second;
    }

    /** A rational's value; a zero denominator gives NaN, which equals no orientation (as in PIL). */
    private static double ratio(long numerator, long denominator) {
        return denominator == 0 ? Double.NaN : (double) numerator / denominator;
    }

    /** 1-8 for what {@link #fromTiff} found, upright when there was nothing. */
    static int orDefault(int orientation) {
        return orientation == ABSENT ? NORMAL : orientation;
    }

    /**
     * Turns an image as the orientation tag says, so that it displays upright.
     *
     * @param orientation 1-8; 1 returns the image itself
     */
    static RgbImage apply(RgbImage image, int orientation) {
        if (orientation == NORMAL) {
            return image;
        }
        int w = image.width();
        int h = image.height();
        boolean swapsAxes = orientation >= 5;
        int outW = swapsAxes ? h : w;
        int outH = swapsAxes ? w : h;
        byte[] src = image.pixels();
        byte[] dst = new byte[src.length];
        int o = 0;
        for (int oy = 0; oy < outH; oy++) {
            for (int ox = 0; ox < outW; ox++) {
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> { // mirrored left-right
                        sx = w - 1 - ox;
                        sy = oy;
                    }
                    case 3 -> { // rotated 180
                        sx = w - 1 - ox;
                        sy = h - 1 - oy;
                    }
                    case 4 -> { // mirrored top-bottom
                        sx = ox;
                        sy = h - 1 - oy;
                    }
                    case 5 -> { // transposed (mirrored along the main diagonal)
                        sx = oy;
                        sy = ox;
                    }
                    case 6 -> { // stored rotated 90 counter-clockwise: turn 90 clockwise
                        sx = oy;
                        sy = h - 1 - ox;
                    }
                    case 7 -> { // transversed (mirrored along the anti-diagonal)
                        sx = w - 1 - oy;
                        sy = h - 1 - ox;
                    }
                    case 8 -> { // stored rotated 90 clockwise: turn 90 counter-clockwise
                        sx = w - 1 - oy;
                        sy = ox;
                    }
                    default -> throw new IllegalArgumentException("EXIF orientation must be 1-8, got " + orientation);
                }
                int s = (sy * w + sx) * 3;
                dst[o++] = src[s];
                dst[o++] = src[s + 1];
                dst[o++] = src[s + 2];
            }
        }
        return new RgbImage(outW, outH, dst);
    }
}
