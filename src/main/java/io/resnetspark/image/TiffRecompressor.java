package io.resnetspark.image;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.NativeLongByReference;
import java.io.ByteArrayOutputStream;
import java.util.zip.Deflater;

/**
 * TIFFs whose strips or tiles are compressed with LZMA, Zstandard or WebP, which libtiff (so PIL)
 * reads and no Java TIFF reader does: each strip or tile is decompressed by the native library
 * libtiff itself uses (liblzma, libzstd, libwebp, through JNA) and compressed again with Deflate,
 * which TwelveMonkeys' reader reads, predictor and all. The result is the same TIFF with a new
 * compression tag and new strip or tile offsets and byte counts; every other tag stays as it was.
 *
 * <p>A machine without the library refuses such files as {@code unsupported_format}, naming the
 * compression, as before.
 */
final class TiffRecompressor {

    static final long LZMA = 34925;
    static final long ZSTANDARD = 50000;
    static final long WEBP = 50001;

    private static final int WIDTH = 256;
    private static final int LENGTH = 257;
    private static final int BITS_PER_SAMPLE = 258;
    private static final int STRIP_OFFSETS = 273;
    private static final int SAMPLES_PER_PIXEL = 277;
    private static final int ROWS_PER_STRIP = 278;
    private static final int STRIP_BYTE_COUNTS = 279;
    private static final int TILE_WIDTH = 322;
    private static final int TILE_LENGTH = 323;
    private static final int TILE_OFFSETS = 324;
    private static final int TILE_BYTE_COUNTS = 325;
    private static final int ADOBE_DEFLATE = 8;
    private static final int TYPE_SHORT = 3;
    private static final int TYPE_LONG = 4;

    /** liblzma's one-call decoder of an .xz stream (what libtiff's LZMA codec writes). */
    interface Lzma extends Library {
        int lzma_stream_buffer_decode(LongByReference memoryLimit, int flags, Pointer allocator, byte[] in,
                NativeLongByReference inPosition, NativeLong inSize, byte[] out, NativeLongByReference outPosition,
                NativeLong outSize);
    }

    /** libzstd's one-call decoder. */
    interface Zstd extends Library {
        NativeLong ZSTD_decompress(byte[] out, NativeLong capacity, byte[] in, NativeLong size);

        int ZSTD_isError(NativeLong code);
    }

    private static final Lzma LIBLZMA = load("lzma", Lzma.class);
    private static final Zstd LIBZSTD = load("zstd", Zstd.class);

    private TiffRecompressor() {}

    private static <T extends Library> T load(String name, Class<T> api) {
        try {
            return Native.load(name, api);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return null; // not on this machine: such TIFFs are refused, naming the compression
        }
    }

    /** Whether this machine can decompress the compression (a TIFF Compression tag value). */
    static boolean reads(long compression) {
        return (compression == LZMA && LIBLZMA != null) || (compression == ZSTANDARD && LIBZSTD != null)
                || (compression == WEBP && LibWebp.available());
    }

    /**
     * The TIFF with Deflate-compressed strips or tiles.
     *
     * @param compression its compression, one {@link #reads} accepts
     */
    static byte[] toDeflate(byte[] data, long compression, long maxPixels) throws InvalidImageException {
        long width = TiffDirectory.first(data, WIDTH, 0);
        long height = TiffDirectory.first(data, LENGTH, 0);
        Decoding.checkSize(ImageFormat.TIFF, (int) Math.min(width, Integer.MAX_VALUE), (int) Math.min(height, Integer.MAX_VALUE), maxPixels);
        boolean tiled = TiffDirectory.entry(data, TILE_OFFSETS) >= 0;
        int offsetsEntry = TiffDirectory.entry(data, tiled ? TILE_OFFSETS : STRIP_OFFSETS);
        int countsEntry = TiffDirectory.entry(data, tiled ? TILE_BYTE_COUNTS : STRIP_BYTE_COUNTS);
        boolean little = data[0] == 'I';
        long[] offsets = offsetsEntry < 0 ? null : TiffDirectory.values(data, offsetsEntry, little);
        long[] counts = countsEntry < 0 ? null : TiffDirectory.values(data, countsEntry, little);
        if (offsets == null || counts == null || offsets.length != counts.length) {
            throw new InvalidImageException(InvalidImageException.CORRUPT, "TIFF without valid strip or tile offsets");
        }
        long samples = TiffDirectory.first(data, TiffDirectory.PLANAR_CONFIGURATION, 1) == 2
                ? 1 : TiffDirectory.first(data, SAMPLES_PER_PIXEL, 1);
        long bits = TiffDirectory.first(data, BITS_PER_SAMPLE, 1);
        long segmentWidth = tiled ? TiffDirectory.first(data, TILE_WIDTH, width) : width;
        long segmentRows = tiled ? TiffDirectory.first(data, TILE_LENGTH, height)
                : Math.min(height, TiffDirectory.first(data, ROWS_PER_STRIP, height));
        long segmentBytes = segmentRows * ((segmentWidth * samples * bits + 7) / 8);
        // A tile may be larger than the image, but not than the pixel limit: its buffer is allocated.
        if (segmentWidth * segmentRows > maxPixels || segmentBytes > Integer.MAX_VALUE - 8 || segmentBytes < 1) {
            throw new InvalidImageException(InvalidImageException.TOO_LARGE, String.format(
                    "TIFF strip or tile of %dx%d (%d bytes) exceeds the limit of %d pixels",
                    segmentWidth, segmentRows, segmentBytes, maxPixels));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length * 2);
        out.writeBytes(data);
        long[] newOffsets = new long[offsets.length];
        long[] newCounts = new long[offsets.length];
        for (int i = 0; i < offsets.length; i++) {
            if (offsets[i] + counts[i] > data.length) {
                throw new InvalidImageException(InvalidImageException.TRUNCATED,
                        "TIFF data ends before strip or tile " + i + " does (" + data.length + " bytes)");
            }
            byte[] raw = decompress(compression, java.util.Arrays.copyOfRange(data, (int) offsets[i],
                    (int) (offsets[i] + counts[i])), (int) segmentBytes, (int) samples);
            byte[] deflated = deflate(raw);
            newOffsets[i] = out.size();
            newCounts[i] = deflated.length;
            out.writeBytes(deflated);
        }
        byte[] tiff = out.toByteArray();
        tiff = pointEntryAt(tiff, offsetsEntry, newOffsets, little);
        tiff = pointEntryAt(tiff, countsEntry, newCounts, little);
        int compressionEntry = TiffDirectory.entry(tiff, TiffDirectory.COMPRESSION);
        putShort(tiff, compressionEntry + 2, TYPE_SHORT, little);
        putLong(tiff, compressionEntry + 4, 1, little);
        putLong(tiff, compressionEntry + 8, 0, little);
        putShort(tiff, compressionEntry + 8, ADOBE_DEFLATE, little);
        return tiff;
    }

    private static byte[] decompress(long compression, byte[] in, int size, int samples) throws InvalidImageException {
        if (compression == WEBP) {
            return LibWebp.decodeSamples(in, samples); // a WebP image per strip or tile
        }
        byte[] out = new byte[size];
        if (compression == LZMA) {
            NativeLongByReference inPosition = new NativeLongByReference(new NativeLong(0));
            NativeLongByReference outPosition = new NativeLongByReference(new NativeLong(0));
            int status = LIBLZMA.lzma_stream_buffer_decode(new LongByReference(-1L), 0, null, in, inPosition,
                    new NativeLong(in.length), out, outPosition, new NativeLong(size));
            if (status != 0) {
                throw new InvalidImageException(InvalidImageException.CORRUPT, "corrupt LZMA data in a TIFF (liblzma error " + status + ")");
            }
            return java.util.Arrays.copyOf(out, (int) outPosition.getValue().longValue());
        }
        NativeLong n = LIBZSTD.ZSTD_decompress(out, new NativeLong(size), in, new NativeLong(in.length));
        if (LIBZSTD.ZSTD_isError(n) != 0) {
            throw new InvalidImageException(InvalidImageException.CORRUPT, "corrupt Zstandard data in a TIFF");
        }
        return java.util.Arrays.copyOf(out, (int) n.longValue());
    }

    private static byte[] deflate(byte[] raw) {
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        try {
            deflater.setInput(raw);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length / 2 + 64);
            byte[] buffer = new byte[1 << 16];
            while (!deflater.finished()) {
                out.write(buffer, 0, deflater.deflate(buffer));
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    /** Makes a directory entry hold LONG values: inline when one, else an array appended to the file. */
    private static byte[] pointEntryAt(byte[] tiff, int entry, long[] values, boolean little) {
        byte[] out = tiff;
        putShort(out, entry + 2, TYPE_LONG, little);
        putLong(out, entry + 4, values.length, little);
        if (values.length == 1) {
            putLong(out, entry + 8, values[0], little);
            return out;
        }
        int at = out.length + (out.length & 1); // TIFF values start on a word boundary
        out = java.util.Arrays.copyOf(out, at + 4 * values.length);
        for (int i = 0; i < values.length; i++) {
            putLong(out, at + 4 * i, values[i], little);
        }
        putLong(out, entry + 8, at, little);
        return out;
    }

    private static void putShort(byte[] data, int offset, int value, boolean little) {
        data[offset + (little ? 0 : 1)] = (byte) value;
        data[offset + (little ? 1 : 0)] = (byte) (value >> 8);
    }

    private static void putLong(byte[] data, int offset, long value, boolean little) {
        for (int i = 0; i < 4; i++) {
            data[offset + (little ? i : 3 - i)] = (byte) (value >> (8 * i));
        }
    }
}
