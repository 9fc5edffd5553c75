package io.resnetspark.image;

import java.nio.charset.StandardCharsets;

/** Walks the chunks of a PNG, from the one after the signature to IEND or the end of the data. */
final class PngChunks {

    /** Receives one chunk; returns false to stop the walk. */
    @FunctionalInterface
    interface Visitor {
        boolean visit(String type, int body, int length);
    }

    private PngChunks() {}

    /** Visits every whole chunk in order; stops at IEND, at a chunk cut short, or when told. */
    static void walk(byte[] data, Visitor visitor) {
        int pos = 8;
        while (pos + 8 <= data.length) {
            int length = ImageFormat.bigEndianInt(data, pos);
            int body = pos + 8;
            if (length < 0 || body + (long) length > data.length) {
                return;
            }
            String type = new String(data, pos + 4, 4, StandardCharsets.ISO_8859_1);
            if (!visitor.visit(type, body, length) || type.equals("IEND")) {
                return;
            }
            pos = body + length + 4;
        }
    }

    /** Colours in the PLTE chunk, or -1 when there is none before the image data. */
    static int paletteEntries(byte[] data) {
        int[] entries = {-1};
        walk(data, (type, body, length) -> {
            if (type.equals("PLTE")) {
                entries[0] = length / 3;
            }
            return entries[0] < 0 && !type.equals("IDAT");
        });
        return entries[0];
    }
}
