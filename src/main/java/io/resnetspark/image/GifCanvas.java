package io.resnetspark.image;

/**
 * Places a GIF's first frame on its logical screen, as PIL does: ImageIO returns the first frame at
 * its own size, PIL an image of the screen's size (grown to hold the frame if the frame sticks
 * out), the frame pasted at its offset, the rest filled with the frame's transparent palette index,
 * or index 0 when it has none. The colour table the frame uses (its own, else the global one) says
 * how many palette entries are real: PIL reads the indexes beyond it, or all indexes of a GIF
 * without colour tables, as grey levels, where ImageIO makes up colours.
 */
final class GifCanvas {

    /**
     * What the GIF header and first image descriptor say.
     *
     * @param transparentIndex the palette index the first frame's graphic control extension marks
     *     transparent, or -1
     * @param colorTableEntries colours of the first frame's table (local, else global), or 0
     */
    record Layout(int screenWidth, int screenHeight, int left, int top, int frameWidth, int frameHeight,
            int transparentIndex, int colorTableEntries) {

        int canvasWidth() {
            return Math.max(screenWidth, left + frameWidth);
        }

        int canvasHeight() {
            return Math.max(screenHeight, top + frameHeight);
        }

        /** The index filling the screen around the frame. */
        int fillIndex() {
            return transparentIndex >= 0 ? transparentIndex : 0;
        }

        boolean frameCoversCanvas() {
            return left == 0 && top == 0 && frameWidth == canvasWidth() && frameHeight == canvasHeight();
        }
    }

    private GifCanvas() {}

    /** The layout of the first frame, or null when the blocks before it are malformed or cut. */
    static Layout parse(byte[] data) {
        if (data.length < 13) {
            return null;
        }
        int screenWidth = u16(data, 6);
        int screenHeight = u16(data, 8);
        int globalTable = colorTableBytes(data[10]);
        int pos = 13 + globalTable;
        int transparent = -1;
        while (pos < data.length) {
            int block = data[pos++] & 0xff;
            if (block == 0x21) {
                if (pos + 1 >= data.length) {
                    return null;
                }
                int label = data[pos++] & 0xff;
                // Graphic control extension: size 4, packed flags, delay (2), transparent index.
                if (label == 0xf9 && pos + 5 <= data.length && (data[pos] & 0xff) == 4) {
                    transparent = (data[pos + 1] & 1) != 0 ? data[pos + 4] & 0xff : -1;
                }
                while (pos < data.length && data[pos] != 0) {
                    pos += (data[pos] & 0xff) + 1;
                }
                pos++;
            } else if (block == 0x2c) {
                if (pos + 8 > data.length) {
                    return null;
                }
                int localTable = colorTableBytes(data[pos + 8]);
                return new Layout(screenWidth, screenHeight, u16(data, pos), u16(data, pos + 2),
                        u16(data, pos + 4), u16(data, pos + 6), transparent, (localTable > 0 ? localTable : globalTable) / 3);
            } else {
                return null;
            }
        }
        return null;
    }

    /**
     * The frame on the canvas.
     *
     * @param fill the RGB of the layout's fill index in the frame's palette
     */
    static RgbImage place(RgbImage frame, Layout layout, int fill) {
        int width = layout.canvasWidth();
        int height = layout.canvasHeight();
        byte[] pixels = new byte[width * height * 3];
        byte r = (byte) (fill >> 16);
        byte g = (byte) (fill >> 8);
        byte b = (byte) fill;
        for (int i = 0; i < pixels.length; i += 3) {
            pixels[i] = r;
            pixels[i + 1] = g;
            pixels[i + 2] = b;
        }
        // The frame as decoded; ImageIO's and the descriptor's sizes agree for a valid file.
        int rows = Math.min(frame.height(), height - layout.top());
        int cols = Math.min(frame.width(), width - layout.left());
        for (int y = 0; y < rows; y++) {
            System.arraycopy(frame.pixels(), y * frame.width() * 3, pixels, ((layout.top() + y) * width + layout.left()) * 3, cols * 3);
        }
        return new RgbImage(width, height, pixels);
    }

    static int colorTableBytes(byte flags) {
        return (flags & 0x80) != 0 ? 3 * (1 << ((flags & 0x07) + 1)) : 0;
    }

    private static int u16(byte[] data, int offset) {
        return (data[offset] & 0xff) | (data[offset + 1] & 0xff) << 8;
    }
}
