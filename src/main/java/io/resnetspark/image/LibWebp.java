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
 * too); {@link #available()} says whether it loaded. Animated files are not decoded here (libwebp's
 * simple API refuses them).
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
