package io.resnetspark.image;

/**
 * Run-length encoded BMPs (RLE8, RLE4) decoded as PIL 9.4's {@code BmpRleDecoder} decodes them,
 * oddities included, because that decoder is what torchvision's PIL pipeline sees and readers
 * disagree most on these files (the BMP suite's "questionable" cases):
 *
 * <ul>
 *   <li>a delta escape skips the two bytes that follow it and moves by the two bytes after those,
 *       filling with index 0;
 *   <li>an RLE4 absolute run of n pixels reads n / 2 bytes (an odd last pixel is lost), and the
 *       padding after an absolute run aligns the position in the file, not in the pixel data;
 *   <li>an encoded run is cut at the end of its row, an absolute run is not;
 *   <li>an end of line fills the row with index 0; data ending before the image does is refused
 *       (PIL: "not enough image data").
 * </ul>
 *
 * Indexes become colours through the file's palette; those beyond it are grey (see {@link
 * RgbConversion}).
 */
final class BmpRle {

    static final int RLE8 = 1;
    static final int RLE4 = 2;

    private BmpRle() {}

    /** The compression field of a BMP's info header (0 for the 12-byte OS/2 header, which has none). */
    static int compression(byte[] data) {
        if (data.length < 34 || ImageFormat.littleEndianInt(data, 14) == 12) {
            return 0;
        }
        return ImageFormat.littleEndianInt(data, 30);
    }

    /** Decodes an RLE8 or RLE4 BMP. */
    static RgbImage decode(byte[] data, long maxPixels) throws InvalidImageException {
        if (data.length < 54) {
            throw new InvalidImageException(InvalidImageException.TRUNCATED, "BMP ends inside its header");
        }
        int headerSize = ImageFormat.littleEndianInt(data, 14);
        int width = ImageFormat.littleEndianInt(data, 18);
        int signedHeight = ImageFormat.littleEndianInt(data, 22);
        int height = Math.abs(signedHeight);
        boolean rle4 = compression(data) == RLE4;
        int colors = ImageFormat.littleEndianInt(data, 46);
        if (colors <= 0 || colors > 256) {
            colors = rle4 ? 16 : 256;
        }
        Decoding.checkSize(ImageFormat.BMP, width, height, maxPixels);
        int pixelOffset = ImageFormat.littleEndianInt(data, 10);
        byte[] indices = runs(data, pixelOffset, width, height, rle4);
        int paletteAt = 14 + headerSize;
        int entries = Math.max(0, Math.min(colors, (data.length - paletteAt) / 4));
        byte[] rgb = new byte[width * height * 3];
        boolean topDown = signedHeight < 0;
        for (int row = 0; row < height; row++) {
            int y = topDown ? row : height - 1 - row;
            for (int x = 0; x < width; x++) {
                int index = indices[row * width + x] & 0xff;
                int o = (y * width + x) * 3;
                if (index < entries) {
                    int p = paletteAt + 4 * index; // B, G, R, reserved
                    rgb[o] = data[p + 2];
                    rgb[o + 1] = data[p + 1];
                    rgb[o + 2] = data[p];
                } else {
                    rgb[o] = (byte) index;
                    rgb[o + 1] = (byte) index;
                    rgb[o + 2] = (byte) index;
                }
            }
        }
        return new RgbImage(width, height, rgb);
    }

    /** The indexes in file order (rows as stored), exactly as PIL's decoder produces them. */
    private static byte[] runs(byte[] data, int start, int width, int height, boolean rle4) throws InvalidImageException {
        int size = width * height;
        // Runs can overshoot by less than one escape's worth of pixels; room for that avoids checks.
        byte[] out = new byte[size + 2 * 256 + width];
        int n = 0;
        int x = 0;
        int pos = Math.max(start, 0);
        boolean endOfData = false;
        while (n < size) {
            if (pos + 2 > data.length) {
                endOfData = true;
                break;
            }
            int count = data[pos] & 0xff;
            int value = data[pos + 1] & 0xff;
            pos += 2;
            if (count > 0) {
                int pixels = x + count > width ? Math.max(0, width - x) : count;
                for (int i = 0; i < pixels; i++) {
                    out[n++] = (byte) (rle4 ? (i % 2 == 0 ? value >> 4 : value & 0x0f) : value);
                }
                x += pixels;
            } else if (value == 0) { // end of line
                while (n % width != 0) {
                    out[n++] = 0;
                }
                x = 0;
            } else if (value == 1) { // end of bitmap
                break;
            } else if (value == 2) { // delta, read as PIL 9.4 reads it (see the class comment)
                if (pos + 4 > data.length) {
                    endOfData = true;
                    break;
                }
                long skip = (data[pos + 2] & 0xff) + (long) (data[pos + 3] & 0xff) * width;
                pos += 4;
                if (n + skip >= size) {
                    n = size; // the rest is index 0 (the array is zero-filled)
                    break;
                }
                n += (int) skip;
                x = n % width;
            } else { // absolute run
                int bytes = rle4 ? value / 2 : value;
                int available = Math.min(bytes, data.length - pos);
                for (int i = 0; i < available; i++) {
                    int b = data[pos + i] & 0xff;
                    if (rle4) {
                        out[n++] = (byte) (b >> 4);
                        out[n++] = (byte) (b & 0x0f);
                    } else {
                        out[n++] = (byte) b;
                    }
                }
                pos += available;
                if (available < bytes) {
                    endOfData = true;
                    break;
                }
                x += value;
                pos += pos & 1; // to a 16-bit boundary of the file, as PIL aligns its file position
            }
        }
        if (n < size) {
            throw new InvalidImageException(endOfData ? InvalidImageException.TRUNCATED : InvalidImageException.CORRUPT,
                    String.format("RLE BMP %s after %d of %dx%d pixels", endOfData ? "data ends" : "bitmap ends",
                            n, width, height));
        }
        return out;
    }
}
