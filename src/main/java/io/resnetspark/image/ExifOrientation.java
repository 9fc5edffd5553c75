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

    private static final int ORIENTATION_TAG = 0x0112;
    private static final int TYPE_SHORT = 3;
    private static final int TYPE_LONG = 4;

    private ExifOrientation() {}

    /**
     * Reads the orientation from a TIFF structure (an EXIF payload after its "Exif\0\0" prefix),
     * looking only at IFD0 as PIL does. Anything malformed reads as {@link #NORMAL}: a broken EXIF
     * block must not make a decodable image unusable.
     *
     * @param data the bytes holding the TIFF structure
     * @param start offset of the TIFF header ("II" or "MM")
     * @param end offset just past the structure
     * @return 1-8
     */
    static int fromTiff(byte[] data, int start, int end) {
        if (start < 0 || end > data.length || end - start < 8) {
            return NORMAL;
        }
        boolean little;
        if (data[start] == 'I' && data[start + 1] == 'I') {
            little = true;
        } else if (data[start] == 'M' && data[start + 1] == 'M') {
            little = false;
        } else {
            return NORMAL;
        }
        if (Bytes.u16(data, start + 2, little) != 42) {
            return NORMAL;
        }
        long ifd = Bytes.u32(data, start + 4, little);
        if (ifd < 8 || ifd > end - start - 2) {
            return NORMAL;
        }
        int entries = start + (int) ifd;
        int count = Bytes.u16(data, entries, little);
        for (int i = 0; i < count; i++) {
            int entry = entries + 2 + 12 * i;
            if (entry + 12 > end) {
                break;
            }
            if (Bytes.u16(data, entry, little) != ORIENTATION_TAG) {
                continue;
            }
            int type = Bytes.u16(data, entry + 2, little);
            long value;
            if (type == TYPE_SHORT) {
                value = Bytes.u16(data, entry + 8, little);
            } else if (type == TYPE_LONG) {
                value = Bytes.u32(data, entry + 8, little);
            } else {
                return NORMAL;
            }
            return value >= 1 && value <= 8 ? (int) value : NORMAL;
        }
        return NORMAL;
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
