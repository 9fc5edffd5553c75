package io.resnetspark.image;

/**
 * The first frame of a GIF, decoded as PIL 9.4 decodes it (GifImagePlugin and libImaging's
 * GifDecode.c). The JDK's reader refuses files PIL reads (bytes between blocks, which PIL skips
 * one by one; LZW code sizes above 8, which PIL reads up to 12), and places the frame differently,
 * so this decoder does what PIL does:
 *
 * <ul>
 *   <li>the image has the logical screen's size, grown to hold the frame if the frame sticks out;
 *       the frame is drawn at its offset (a frame of zero width at the left edge fills the whole
 *       image: PIL's decoder takes such a tile for the whole image), the rest is the graphic control extension's transparent
 *       index, or index 0 when it has none;
 *   <li>the frame's colour table (its own, else the global one) gives the colours; indexes beyond
 *       it, and all indexes of a GIF without colour tables, are grey levels;
 *   <li>LZW as GifDecode.c: a code past the table or a string too long is a broken stream; the data
 *       sub-blocks are read on past their terminator, each next byte taken as a block size; a
 *       frame whose data ends before its last pixel is cut short.
 * </ul>
 */
final class GifDecoder {

    private static final int MAX_CODE_BITS = 12;
    private static final int TABLE_SIZE = 1 << MAX_CODE_BITS;
    /** Room for the longest string: GifDecode.c's 4096-byte buffer and the string's first byte. */
    private static final int STRING_SIZE = TABLE_SIZE + 1;

    private GifDecoder() {}

    /** What PIL's GifImagePlugin reads before the first frame's pixel data. */
    private record Frame(int screenWidth, int screenHeight, int left, int top, int width, int height,
            boolean interlaced, int transparentIndex, int paletteAt, int paletteEntries, int codeSize, int dataAt) {

        int canvasWidth() {
            return Math.max(screenWidth, left + width);
        }

        int canvasHeight() {
            return Math.max(screenHeight, top + height);
        }

        /** The frame as PIL decodes it: a tile of zero width at the left edge means the whole image. */
        Frame asDecoded() throws InvalidImageException {
            if (left == 0 && width == 0) {
                return new Frame(screenWidth, screenHeight, 0, 0, canvasWidth(), canvasHeight(), interlaced,
                        transparentIndex, paletteAt, paletteEntries, codeSize, dataAt);
            }
            if (width == 0 || height == 0) {
                throw new InvalidImageException(InvalidImageException.CORRUPT, "GIF frame of " + width + "x" + height);
            }
            return this;
        }
    }

    static RgbImage decode(byte[] data, long maxPixels) throws InvalidImageException {
        Frame frame = firstFrame(data);
        Decoding.checkSize(ImageFormat.GIF, frame.canvasWidth(), frame.canvasHeight(), maxPixels);
        int width = frame.canvasWidth();
        byte[] indexes = new byte[width * frame.canvasHeight()];
        if (frame.transparentIndex() >= 0) {
            java.util.Arrays.fill(indexes, (byte) frame.transparentIndex());
        }
        new Lzw(data, frame.asDecoded(), indexes, width).run();
        int[] palette = palette(data, frame);
        byte[] rgb = new byte[indexes.length * 3];
        for (int i = 0, o = 0; i < indexes.length; i++, o += 3) {
            int colour = palette[indexes[i] & 0xff];
            rgb[o] = (byte) (colour >> 16);
            rgb[o + 1] = (byte) (colour >> 8);
            rgb[o + 2] = (byte) colour;
        }
        return new RgbImage(width, frame.canvasHeight(), rgb);
    }

    /** Bytes of the colour table that packed header flags announce (0 when there is none). */
    static int colorTableBytes(byte flags) {
        return (flags & 0x80) != 0 ? 3 * (1 << ((flags & 0x07) + 1)) : 0;
    }

    /** The blocks up to the first image descriptor, walked as GifImagePlugin walks them. */
    private static Frame firstFrame(byte[] data) throws InvalidImageException {
        if (data.length < 13) {
            throw truncated("its header");
        }
        int globalTable = colorTableBytes(data[10]);
        int pos = 13 + globalTable;
        int transparent = -1;
        while (pos < data.length) {
            int block = data[pos++] & 0xff;
            if (block == ';') {
                throw new InvalidImageException(InvalidImageException.CORRUPT, "GIF without an image");
            } else if (block == '!') {
                if (pos >= data.length) {
                    break;
                }
                int label = data[pos++] & 0xff;
                // Graphic control extension: flags, delay (2), transparent index, in its first sub-block.
                if (label == 0xf9 && pos + 4 < data.length && (data[pos] & 0xff) >= 4 && (data[pos + 1] & 1) != 0) {
                    transparent = data[pos + 4] & 0xff;
                }
                while (pos < data.length && data[pos] != 0) {
                    pos += (data[pos] & 0xff) + 1;
                }
                pos++;
            } else if (block == ',') {
                if (pos + 10 > data.length) {
                    throw truncated("its image descriptor");
                }
                int localTable = colorTableBytes(data[pos + 8]);
                boolean interlaced = (data[pos + 8] & 0x40) != 0;
                int paletteAt = localTable > 0 ? pos + 9 : (globalTable > 0 ? 13 : -1);
                int entries = (localTable > 0 ? localTable : globalTable) / 3;
                int codeAt = pos + 9 + localTable;
                if (codeAt >= data.length) {
                    throw truncated("its image descriptor");
                }
                return new Frame(u16(data, 6), u16(data, 8), u16(data, pos), u16(data, pos + 2), u16(data, pos + 4),
                        u16(data, pos + 6), interlaced, transparent, paletteAt, entries, data[codeAt] & 0xff, codeAt + 1);
            }
            // Any other byte: skipped, as PIL skips it.
        }
        throw truncated("the blocks before its first image");
    }

    /** The 256 colours indexes stand for: the table's, grey beyond it (as PIL's palettes). */
    private static int[] palette(byte[] data, Frame frame) {
        int[] rgb = new int[256];
        for (int i = 0; i < 256; i++) {
            int p = frame.paletteAt() + 3 * i;
            rgb[i] = i < frame.paletteEntries() && p + 2 < data.length
                    ? (data[p] & 0xff) << 16 | (data[p + 1] & 0xff) << 8 | (data[p + 2] & 0xff)
                    : i << 16 | i << 8 | i;
        }
        return rgb;
    }

    /** GifDecode.c's state machine, writing the frame's indexes into the canvas. */
    private static final class Lzw {
        private final byte[] data;
        private final Frame frame;
        private final byte[] canvas;
        private final int canvasWidth;
        private final int clear;
        private final int end;
        private final int[] link = new int[TABLE_SIZE];
        private final byte[] suffix = new byte[TABLE_SIZE];
        private final byte[] string = new byte[STRING_SIZE];

        private int pos;
        private int blockLeft;
        private int bitBuffer;
        private int bitCount;
        // output position and interlace pass (1-3 while passes remain, 0 for the last or none)
        private int x;
        private int y;
        private int step;
        private int pass;

        Lzw(byte[] data, Frame frame, byte[] canvas, int canvasWidth) throws InvalidImageException {
            if (frame.codeSize() > MAX_CODE_BITS) {
                throw new InvalidImageException(InvalidImageException.CORRUPT,
                        "GIF with an LZW code size of " + frame.codeSize() + " (at most 12)");
            }
            this.data = data;
            this.frame = frame;
            this.canvas = canvas;
            this.canvasWidth = canvasWidth;
            this.clear = 1 << frame.codeSize();
            this.end = clear + 1;
            this.pos = frame.dataAt();
            this.step = frame.interlaced() ? 8 : 1;
            this.pass = frame.interlaced() ? 1 : 0;
        }

        void run() throws InvalidImageException {
            int codeSize = 0;
            int next = 0;
            int lastCode = -1;
            int lastData = 0;
            boolean reset = true;
            while (true) {
                if (reset) {
                    next = clear + 2;
                    codeSize = frame.codeSize() + 1;
                    lastCode = -1;
                    reset = false;
                }
                int code = readCode(codeSize);
                if (code == clear) {
                    reset = lastCode >= 0; // a clear right after a clear changes nothing
                    continue;
                }
                if (code == end) {
                    throw new InvalidImageException(InvalidImageException.TRUNCATED,
                            "GIF image data ends (end code) before its last pixel");
                }
                int length;
                if (lastCode < 0) {
                    if (code > clear) {
                        throw broken("first code after a clear is " + code);
                    }
                    lastData = code;
                    lastCode = code;
                    string[STRING_SIZE - 1] = (byte) code;
                    length = 1;
                } else {
                    int thisCode = code;
                    if (code > next) {
                        throw broken("code " + code + " past the table (" + next + ")");
                    }
                    int at = STRING_SIZE; // the string is built from its end, as GifDecode.c builds it
                    if (code == next) {
                        string[--at] = (byte) lastData;
                        code = lastCode;
                    }
                    while (code >= clear) {
                        if (at <= 1 || code >= TABLE_SIZE) {
                            throw broken("string too long");
                        }
                        string[--at] = suffix[code];
                        code = link[code];
                    }
                    string[--at] = (byte) code;
                    lastData = code;
                    if (next < TABLE_SIZE) {
                        suffix[next] = (byte) code;
                        link[next] = lastCode;
                        if (next == (1 << codeSize) - 1 && codeSize < MAX_CODE_BITS) {
                            codeSize++;
                        }
                        next++;
                    }
                    lastCode = thisCode;
                    length = STRING_SIZE - at;
                }
                if (write(STRING_SIZE - length, length)) {
                    return;
                }
            }
        }

        /** Writes a decoded string; true when the frame is complete. */
        private boolean write(int from, int length) {
            for (int i = from; i < from + length; i++) {
                canvas[(frame.top() + y) * canvasWidth + frame.left() + x] = string[i];
                if (++x >= frame.width() && newLine()) {
                    return true;
                }
            }
            return false;
        }

        /** GifDecode.c's NEWLINE: the next row, of the next interlace pass; true past the last one. */
        private boolean newLine() {
            x = 0;
            y += step;
            while (y >= frame.height()) {
                switch (pass) {
                    case 1 -> {
                        y = 4;
                        pass = 2;
                    }
                    case 2 -> {
                        step = 4;
                        y = 2;
                        pass = 3;
                    }
                    case 3 -> {
                        step = 2;
                        y = 1;
                        pass = 0;
                    }
                    default -> {
                        return true;
                    }
                }
            }
            return false;
        }

        private int readCode(int codeSize) throws InvalidImageException {
            while (bitCount < codeSize) {
                if (blockLeft > 0) {
                    bitBuffer |= (data[pos++] & 0xff) << bitCount;
                    bitCount += 8;
                    blockLeft--;
                } else {
                    // A new sub-block; PIL waits for all of it, so one cut short is the end of the data.
                    if (pos >= data.length || pos + (data[pos] & 0xff) + 1 > data.length) {
                        throw new InvalidImageException(InvalidImageException.TRUNCATED,
                                "GIF data ends before the first frame's last pixel (" + data.length + " bytes)");
                    }
                    blockLeft = data[pos++] & 0xff;
                }
            }
            int code = bitBuffer & ((1 << codeSize) - 1);
            bitBuffer >>>= codeSize;
            bitCount -= codeSize;
            return code;
        }

        private static InvalidImageException broken(String what) {
            return new InvalidImageException(InvalidImageException.CORRUPT, "broken GIF image data: " + what);
        }
    }

    private static InvalidImageException truncated(String where) {
        return new InvalidImageException(InvalidImageException.TRUNCATED, "GIF ends inside " + where);
    }

    private static int u16(byte[] data, int offset) {
        return (data[offset] & 0xff) | (data[offset + 1] & 0xff) << 8;
    }
}
