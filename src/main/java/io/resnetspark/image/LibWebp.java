package io.resnetspark.image;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

/**
 * Still WebP images decoded by libwebp, the library PIL decodes them with, through JNA (which DJL
 * already brings): the same VP8 reconstruction, loop filter, "fancy" chroma upsampling and
 * YUV-to-RGB arithmetic, so lossy WebP gets PIL's pixels exactly. TwelveMonkeys' pure-Java decoder,
 * the fallback, upsamples chroma by repetition and filters macroblock edges after copying them
 * (about 1.6 levels from libwebp on average).
 *
 * <p>Used when the machine has libwebp (Debian and Ubuntu: {@code libwebp7}, which Pillow needs
 * too); {@link #available()} says whether it loaded. Of an animation, the first frame is decoded
 * and placed on the canvas as libwebp's animation decoder (Pillow's) places it: at its offset, on
 * transparent black.
 */
final class LibWebp {

    /** The part of libwebp's decode API used here (src/webp/decode.h). */
    interface Api extends Library {
        int WebPGetInfo(byte[] data, NativeLong size, IntByReference width, IntByReference height);

        Pointer WebPDecodeRGB(byte[] data, NativeLong size, IntByReference width, IntByReference height);

        Pointer WebPDecodeRGBA(byte[] data, NativeLong size, IntByReference width, IntByReference height);

        void WebPFree(Pointer pointer);
    }

    private static final Api API = load();

    private LibWebp() {}

    private static Api load() {
        try {
            return Native.load("webp", Api.class);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return null; // no libwebp on this machine: TwelveMonkeys' decoder serves
        }
    }

    static boolean available() {
        return API != null;
    }

    /**
     * Decodes a still WebP to RGB (alpha dropped, as {@code convert("RGB")} does).
     *
     * @throws InvalidImageException {@code corrupt} when libwebp cannot decode it, {@code
     *     too_large} past the pixel limit (checked from the header before decoding)
     */
    static RgbImage decode(byte[] data, long maxPixels) throws InvalidImageException {
        IntByReference width = new IntByReference();
        IntByReference height = new IntByReference();
        if (API.WebPGetInfo(data, new NativeLong(data.length), width, height) == 0) {
            throw new InvalidImageException(InvalidImageException.CORRUPT, "corrupt WebP: libwebp cannot read its header");
        }
        Decoding.checkSize(ImageFormat.WEBP, width.getValue(), height.getValue(), maxPixels);
        return new RgbImage(width.getValue(), height.getValue(), decodeSamples(data, 3));
    }

    /** The first frame of an animated WebP (VP8X with the animation flag) on its canvas. */
    static RgbImage decodeFirstFrame(byte[] data, long maxPixels) throws InvalidImageException {
        if (data.length < 30) {
            throw new InvalidImageException(InvalidImageException.TRUNCATED, "WebP ends inside its VP8X header");
        }
        int canvasWidth = u24(data, 24) + 1;
        int canvasHeight = u24(data, 27) + 1;
        Decoding.checkSize(ImageFormat.WEBP, canvasWidth, canvasHeight, maxPixels);
        int frame = chunk(data, 12, data.length, "ANMF");
        if (frame < 0 || frame + 24 > data.length) {
            throw new InvalidImageException(InvalidImageException.CORRUPT, "animated WebP without a frame");
        }
        int left = 2 * u24(data, frame + 8);
        int top = 2 * u24(data, frame + 11);
        int frameEnd = (int) Math.min(data.length, frame + 8 + (ImageFormat.littleEndianInt(data, frame + 4) & 0xffffffffL));
        // The frame's image: its VP8 or VP8L chunk (an ALPH chunk before a VP8 one only holds alpha).
        int image = Math.max(chunk(data, frame + 24, frameEnd, "VP8 "), chunk(data, frame + 24, frameEnd, "VP8L"));
        if (image < 0) {
            throw new InvalidImageException(InvalidImageException.CORRUPT, "animated WebP frame without image data");
        }
        byte[] bitstream = java.util.Arrays.copyOfRange(data, image, frameEnd);
        IntByReference width = new IntByReference();
        IntByReference height = new IntByReference();
        if (API.WebPGetInfo(bitstream, new NativeLong(bitstream.length), width, height) == 0) {
            throw new InvalidImageException(InvalidImageException.CORRUPT, "corrupt WebP frame: libwebp cannot read its header");
        }
        byte[] pixels = decodeSamples(bitstream, 3);
        byte[] canvas = new byte[canvasWidth * canvasHeight * 3];
        int rows = Math.min(height.getValue(), canvasHeight - top);
        int cols = Math.min(width.getValue(), canvasWidth - left);
        for (int y = 0; y < rows && cols > 0; y++) { // a frame off the canvas leaves it black
            System.arraycopy(pixels, y * width.getValue() * 3, canvas, ((top + y) * canvasWidth + left) * 3, 3 * cols);
        }
        return new RgbImage(canvasWidth, canvasHeight, canvas);
    }

    /** The offset of the first chunk of a type between from and end, or -1. */
    private static int chunk(byte[] data, int from, int end, String type) {
        int pos = from;
        while (pos + 8 <= end) {
            if (ImageFormat.startsWithAscii(data, pos, type)) {
                return pos;
            }
            long size = ImageFormat.littleEndianInt(data, pos + 4) & 0xffffffffL;
            pos += (int) Math.min(Integer.MAX_VALUE - 16, 8 + size + (size & 1));
        }
        return -1;
    }

    private static int u24(byte[] data, int offset) {
        return (data[offset] & 0xff) | (data[offset + 1] & 0xff) << 8 | (data[offset + 2] & 0xff) << 16;
    }

    /**
     * The interleaved samples of a WebP: R, G, B (three samples) or R, G, B, A (four), as a TIFF's
     * WebP-compressed strip holds them.
     */
    static byte[] decodeSamples(byte[] data, int samples) throws InvalidImageException {
        IntByReference width = new IntByReference();
        IntByReference height = new IntByReference();
        NativeLong size = new NativeLong(data.length);
        Pointer pixels = samples == 4 ? API.WebPDecodeRGBA(data, size, width, height)
                : API.WebPDecodeRGB(data, size, width, height);
        if (pixels == null) {
            throw new InvalidImageException(InvalidImageException.CORRUPT, "corrupt WebP: libwebp cannot decode it");
        }
        try {
            return pixels.getByteArray(0, Math.toIntExact((long) width.getValue() * height.getValue() * samples));
        } finally {
            API.WebPFree(pixels);
        }
    }
}
