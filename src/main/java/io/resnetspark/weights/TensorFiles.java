package io.resnetspark.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Entry point for weights files: reads safetensors or npz (chosen by content), writes either
 * (chosen by extension), and fingerprints files.
 *
 * <p>It also holds {@link ElementType}, the element encodings the format classes share, so that the
 * float16/bfloat16/integer conversions exist exactly once.
 */
public final class TensorFiles {

    /** A zip local file header, the first bytes of every non-empty npz. */
    private static final byte[] ZIP_LOCAL_MAGIC = {'P', 'K', 3, 4};

    /** A zip end-of-central-directory record: what {@code numpy.savez} writes for zero arrays. */
    private static final byte[] ZIP_EMPTY_MAGIC = {'P', 'K', 5, 6};

    private static final byte[] NPY_MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    private TensorFiles() {}

    /**
     * Reads a weights file, choosing the format by content: a zip archive (magic {@code "PK\3\4"},
     * or {@code "PK\5\6"} for an empty archive) is read as npz, anything else as safetensors. The
     * extension is ignored because weights are often renamed or downloaded under opaque names.
     *
     * @param file the file to read
     * @return the tensors by name, in the order the file lists them
     * @throws WeightsFormatException if the content is malformed; the message names the file
     * @throws IOException if the file cannot be read; the message names the file
     */
    public static LinkedHashMap<String, Tensor> read(Path file) throws IOException {
        try {
            byte[] prefix = readPrefix(file, NPY_MAGIC.length);
            if (startsWith(prefix, ZIP_LOCAL_MAGIC) || startsWith(prefix, ZIP_EMPTY_MAGIC)) {
                return NpzFormat.read(file);
            }
            if (startsWith(prefix, NPY_MAGIC)) {
                // A lone .npy holds one unnamed array; inventing a name for it would hide the
                // mistake of
                // passing the wrong file, so say what it is instead.
                throw new WeightsFormatException(
                        file
                                + ": is a single .npy array, not a file of named tensors; use a"
                                + " .safetensors or .npz file, or read it with NpyFormat.read");
            }
            return SafetensorsFormat.read(file);
        } catch (WeightsFormatException e) {
            throw e; // The format classes already put the file name first.
        } catch (IOException e) {
            // Some JDK messages ("Is a directory") omit the path. Keep the original exception when
            // it
            // does name the file, so that callers can still catch NoSuchFileException and friends.
            if (e.getMessage() != null && e.getMessage().contains(file.toString())) {
                throw e;
            }
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes tensors as float32, choosing the format by the file name's extension
     * (case-insensitive): {@code .safetensors} or {@code .npz}.
     *
     * @param file the file to create or replace
     * @param tensors the tensors by name
     * @throws IllegalArgumentException if the extension is neither, or a name is not writable
     * @throws IOException if writing fails
     */
    public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
        Path fileName = file.getFileName();
        String name = fileName == null ? "" : fileName.toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".safetensors")) {
            SafetensorsFormat.write(file, tensors);
        } else if (name.endsWith(".npz")) {
            NpzFormat.write(file, tensors);
        } else {
            throw new IllegalArgumentException(
                    "cannot choose a weights format for "
                            + file
                            + ": use a .safetensors or .npz extension");
        }
    }

    /**
     * Computes the SHA-256 of a file's bytes, streaming it so that large files need no large
     * buffer.
     *
     * @param file the file to hash
     * @return 64 lowercase hexadecimal digits
     * @throws IOException if the file cannot be read
     */
    public static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Reads up to {@code n} bytes from the start of a file; fewer if the file is shorter. */
    private static byte[] readPrefix(Path file, int n) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(n);
        }
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length >= prefix.length
                && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    /**
     * How one element is stored in a file, and how to convert it to float32. Shared by the
     * safetensors and npy readers, which name these types differently ({@code "F16"} versus {@code
     * "<f2"}) but store them identically.
     */
    enum ElementType {
        F64(8),
        F32(4),
        F16(2),
        BF16(2),
        I64(8),
        U64(8),
        I32(4),
        U32(4),
        I16(2),
        U16(2),
        I8(1),
        U8(1),
        BOOL(1);

        /**
         * Bytes read from a file per step. A multiple of every element size, so that a chunk never
         * splits an element; small enough that reading never needs a file-sized byte array.
         */
        static final int CHUNK_BYTES = 1 << 20;

        /** Bytes per element. */
        final int size;

        ElementType(int size) {
            this.size = size;
        }

        /**
         * Converts {@code count} elements from {@code src} (whose byte order the caller has set)
         * into {@code dst[offset..offset+count)}, and advances {@code src} past them.
         */
        void decode(ByteBuffer src, float[] dst, int offset, int count) {
            switch (this) {
                case F32 -> src.asFloatBuffer().get(dst, offset, count);
                case F64 -> {
                    DoubleBuffer in = src.asDoubleBuffer();
                    for (int i = 0; i < count; i++) {
                        dst[offset + i] = (float) in.get(i);
                    }
                }
                case F16 -> {
                    ShortBuffer in = src.asShortBuffer();
                    for (int i = 0; i < count; i++) {
                        dst[offset + i] = halfToFloat(in.get(i));
                    }
                }
                case BF16 -> {
                    // bfloat16 is the top half of a float32, so widening is a shift: exact, and NaN
                    // payloads and infinities carry over unchanged.
                    ShortBuffer in = src.asShortBuffer();
                    for (int i = 0; i < count; i++) {
                        dst[offset + i] = Float.intBitsToFloat((in.get(i) & 0xFFFF) << 16);
                    }
                }
                case I64 -> {
                    LongBuffer in = src.asLongBuffer();
                    for (int i = 0; i < count; i++) {
                        dst[offset + i] = (float) in.get(i);
                    }
                }
                case U64 -> {
                    LongBuffer in = src.asLongBuffer();
                    for (int i = 0; i < count; i++) {
                        dst[offset + i] = unsignedLongToFloat(in.get(i));
                    }
                }
                case I32 -> {
                    IntBuffer in = src.asIntBuffer();
                    for (int i = 0; i < count; i++) {
                        dst[offset + i] = (float) in.get(i);
                    }
                }
                case U32 -> {
                    IntBuffer in = src.asIntBuffer();
                    for (int i = 0; i < count; i++) {
                        dst[offset + i] = (float) (in.get(i) & 0xFFFF_FFFFL);
                    }
                }
                case I16 -> {
                    ShortBuffer in = src.asShortBuffer();
                    for (int i = 0; i < count; i++) {
                        dst[offset + i] = in.get(i);
                    }
                }
                case U16 -> {
                    ShortBuffer in = src.asShortBuffer();
                    for (int i = 0; i < count; i++) {
                        dst[offset + i] = in.get(i) & 0xFFFF;
                    }
                }
                case I8 -> {
                    int base = src.position();
                    for (int i = 0; i < count; i++) {
                        dst[offset + i] = src.get(base + i);
                    }
                }
                case U8 -> {
                    int base = src.position();
                    for (int i = 0; i < count; i++) {
                        dst[offset + i] = src.get(base + i) & 0xFF;
                    }
                }
                case BOOL -> {
                    // numpy and torch store booleans as 0 or 1; any other byte is treated as true,
                    // which is
                    // how both of them would interpret it too.
                    int base = src.position();
                    for (int i = 0; i < count; i++) {
                        dst[offset + i] = src.get(base + i) != 0 ? 1f : 0f;
                    }
                }
            }
            // The typed views above read from the buffer's position without moving it.
            src.position(src.position() + count * size);
        }

        /**
         * Converts IEEE 754 binary16 bits to float. Every binary16 value is exactly representable
         * as a float32, so this is exact, including subnormals, infinities and NaN payloads.
         */
        static float halfToFloat(short bits) {
            int h = bits & 0xFFFF;
            int sign = (h & 0x8000) << 16;
            int exponent = (h >>> 10) & 0x1F;
            int mantissa = h & 0x3FF;
            if (exponent == 0x1F) {
                // Infinity (mantissa 0) or NaN: all-ones float32 exponent, payload kept in the high
                // bits.
                return Float.intBitsToFloat(sign | 0x7F80_0000 | (mantissa << 13));
            }
            if (exponent != 0) {
                // Normal: rebias the exponent from 15 to 127.
                return Float.intBitsToFloat(
                        sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
            }
            // Zero or subnormal: mantissa × 2^-24, which float32 represents exactly.
            float magnitude = mantissa * 0x1p-24f;
            return sign != 0 ? -magnitude : magnitude;
        }

        /** Converts an unsigned 64-bit value to the nearest float. */
        static float unsignedLongToFloat(long value) {
            if (value >= 0) {
                return (float) value;
            }
            // Halve to fit a signed long, keeping the lowest bit so that rounding is still to
            // nearest,
            // then double, which is exact in float.
            return (float) ((value >>> 1) | (value & 1)) * 2f;
        }
    }
}
