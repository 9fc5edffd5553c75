package io.resnetspark.image;

/** Unsigned integers read from byte arrays in either byte order (TIFF/EXIF headers use both). */
final class Bytes {

    private Bytes() {}

    static int u16(byte[] data, int offset, boolean little) {
        int a = data[offset] & 0xff;
        int b = data[offset + 1] & 0xff;
        return little ? a | b << 8 : a << 8 | b;
    }

    static long u32(byte[] data, int offset, boolean little) {
        long a = u16(data, offset, little);
        long b = u16(data, offset + 2, little);
        return little ? a | b << 16 : a << 16 | b;
    }
}
