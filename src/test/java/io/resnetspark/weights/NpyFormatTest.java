package io.resnetspark.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

class NpyFormatTest {

    @TempDir Path dir;

    /** An .npy file's bytes, built by hand: magic, version, header length, header, data. */
    static byte[] npy(int major, String header, byte[] data) {
        byte[] headerBytes =
                header.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        ByteBuffer out =
                ByteBuffer.allocate(8 + (major == 1 ? 2 : 4) + headerBytes.length + data.length)
                        .order(ByteOrder.LITTLE_ENDIAN);
        out.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII));
        out.put((byte) major).put((byte) 0);
        if (major == 1) {
            out.putShort((short) headerBytes.length);
        } else {
            out.putInt(headerBytes.length);
        }
        return out.put(headerBytes).put(data).array();
    }

    static String dict(String descr, boolean fortran, String shape) {
        return "{'descr': '"
                + descr
                + "', 'fortran_order': "
                + (fortran ? "True" : "False")
                + ", 'shape': "
                + shape
                + ", }\n";
    }

    static byte[] floats(ByteOrder order, float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(order);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    private Tensor read(byte[] bytes) throws IOException {
        return NpyFormat.read(Files.write(dir.resolve("a.npy"), bytes));
    }

    private String failure(byte[] bytes) throws IOException {
        Path file = Files.write(dir.resolve("bad.npy"), bytes);
        WeightsFormatException e =
                assertThrows(WeightsFormatException.class, () -> NpyFormat.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        // The stream reader must fail the same way, without knowing the length.
        try (InputStream in = new ByteArrayInputStream(bytes)) {
            assertThrows(WeightsFormatException.class, () -> NpyFormat.read(in, "stream"));
        }
        return e.getMessage();
    }

    private static void assertMentions(String message, String... words) {
        for (String word : words) {
            assertTrue(
                    message.toLowerCase(Locale.ROOT).contains(word.toLowerCase(Locale.ROOT)),
                    "expected '" + word + "' in: " + message);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Writing and round trips

    @Test
    void roundTripsShapes() throws IOException {
        float[] values = new float[24];
        for (int i = 0; i < values.length; i++) {
            values[i] = i - 10.5f;
        }
        for (Tensor t :
                new Tensor[] {
                    Tensor.of(values, 2, 3, 4),
                    Tensor.of(values, 24),
                    Tensor.of(new float[] {Float.NaN}),
                    Tensor.of(new float[0], 0, 3),
                }) {
            Path file = dir.resolve("t.npy");
            NpyFormat.write(file, t);
            Tensor back = NpyFormat.read(file);
            assertEquals(new Tensor(t.shape(), t.values(), "<f4"), back);
        }
    }

    @Test
    void writesTheHeaderNumpyWrites() throws IOException {
        Path file = dir.resolve("h.npy");
        NpyFormat.write(file, Tensor.of(new float[6], 2, 3));
        byte[] bytes = Files.readAllBytes(file);
        assertEquals(128 + 24, bytes.length);
        assertEquals(1, bytes[6]);
        assertEquals(0, bytes[7]);
        int headerLength = ByteBuffer.wrap(bytes, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
        assertEquals(0, (10 + headerLength) % 64, "data is 64-byte aligned");
        String header = new String(bytes, 10, headerLength, StandardCharsets.ISO_8859_1);
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        assertEquals(118, headerLength);
        assertEquals(dict + " ".repeat(headerLength - 1 - dict.length()) + "\n", header);

        NpyFormat.write(file, Tensor.of(new float[] {1f}, 1));
        String oneDim = new String(Files.readAllBytes(file), 10, 118, StandardCharsets.ISO_8859_1);
        assertTrue(oneDim.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }"));

        NpyFormat.write(file, Tensor.of(new float[] {1f}));
        String scalar = new String(Files.readAllBytes(file), 10, 118, StandardCharsets.ISO_8859_1);
        assertTrue(scalar.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (), }"));
    }

    @Test
    void streamReadLeavesTrailingBytesAndDoesNotClose() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NpyFormat.write(out, Tensor.of(new float[] {1f, 2f}, 2));
        NpyFormat.write(out, Tensor.of(new float[] {3f}, 1));
        try (InputStream in = new ByteArrayInputStream(out.toByteArray())) {
            assertArrayEquals(new float[] {1f, 2f}, NpyFormat.read(in, "first").values());
            assertArrayEquals(new float[] {3f}, NpyFormat.read(in, "second").values());
            assertEquals(-1, in.read());
        }
    }

    @Test
    void streamReadOfUnknownLengthGrowsPastItsInitialCapacity() throws IOException {
        float[] values = new float[(1 << 20) + 12_345]; // just past the initial capacity
        for (int i = 0; i < values.length; i++) {
            values[i] = i;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NpyFormat.write(out, Tensor.of(values, values.length));
        Tensor back = NpyFormat.read(new ByteArrayInputStream(out.toByteArray()), "big");
        assertArrayEquals(values, back.values());
    }

    // ---------------------------------------------------------------------------------------------
    // Versions, dtypes, byte orders, layouts

    @Test
    void readsVersions2And3() throws IOException {
        byte[] data = floats(ByteOrder.LITTLE_ENDIAN, 1f, 2f);
        assertArrayEquals(
                new float[] {1f, 2f}, read(npy(2, dict("<f4", false, "(2,)"), data)).values());
        assertArrayEquals(
                new float[] {1f, 2f}, read(npy(3, dict("<f4", false, "(2,)"), data)).values());
    }

    @Test
    void readsEveryAcceptedDtype() throws IOException {
        ByteBuffer f8 =
                ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.1).putDouble(-2);
        Tensor t = read(npy(1, dict("<f8", false, "(2,)"), f8.array()));
        assertArrayEquals(new float[] {0.1f, -2f}, t.values());
        assertEquals("<f8", t.sourceDtype());

        assertArrayEquals(
                new float[] {1f, 0x1p-24f},
                read(npy(1, dict("<f2", false, "(2,)"), SafetensorsFormatTest.shorts(0x3C00, 1)))
                        .values());
        assertArrayEquals(
                new float[] {255f, 7f},
                read(npy(1, dict("|u1", false, "(2,)"), new byte[] {(byte) 255, 7})).values());
        assertArrayEquals(
                new float[] {-1f},
                read(npy(1, dict("|i1", false, "(1,)"), new byte[] {(byte) 255})).values());
        assertArrayEquals(
                new float[] {1f, 0f},
                read(npy(1, dict("|b1", false, "(2,)"), new byte[] {1, 0})).values());

        ByteBuffer i8 =
                ByteBuffer.allocate(16)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(-9)
                        .putLong(1L << 50);
        assertArrayEquals(
                new float[] {-9f, 0x1p50f},
                read(npy(1, dict("<i8", false, "(2,)"), i8.array())).values());
        ByteBuffer i4 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(-9).putInt(12);
        assertArrayEquals(
                new float[] {-9f, 12f},
                read(npy(1, dict("<i4", false, "(2,)"), i4.array())).values());

        byte[] nativeFloats = floats(ByteOrder.nativeOrder(), 5f);
        assertArrayEquals(
                new float[] {5f}, read(npy(1, dict("=f4", false, "(1,)"), nativeFloats)).values());
    }

    @Test
    void readsBigEndian() throws IOException {
        Tensor t =
                read(
                        npy(
                                1,
                                dict(">f4", false, "(3,)"),
                                floats(ByteOrder.BIG_ENDIAN, 1f, -2.5f, 3e9f)));
        assertArrayEquals(new float[] {1f, -2.5f, 3e9f}, t.values());
        assertEquals(">f4", t.sourceDtype());
        ByteBuffer i8 = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putLong(-300);
        assertArrayEquals(
                new float[] {-300f}, read(npy(1, dict(">i8", false, "(1,)"), i8.array())).values());
    }

    @Test
    void transposesFortranOrderIntoCOrder() throws IOException {
        // A 2×3×4 array whose element (i, j, k) is 100i + 10j + k, written column-major: i varies
        // fastest, then j, then k.
        float[] fortran = new float[24];
        int n = 0;
        for (int k = 0; k < 4; k++) {
            for (int j = 0; j < 3; j++) {
                for (int i = 0; i < 2; i++) {
                    fortran[n++] = 100 * i + 10 * j + k;
                }
            }
        }
        Tensor t =
                read(
                        npy(
                                1,
                                dict("<f4", true, "(2, 3, 4)"),
                                floats(ByteOrder.LITTLE_ENDIAN, fortran)));
        assertArrayEquals(new long[] {2, 3, 4}, t.shape());
        n = 0;
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 4; k++) {
                    assertEquals(
                            100 * i + 10 * j + k, t.values()[n++], "at " + i + "," + j + "," + k);
                }
            }
        }
    }

    @Test
    void fortranOrderOfSmallRanksIsUnchanged() throws IOException {
        assertArrayEquals(
                new float[] {1f, 2f},
                read(npy(1, dict("<f4", true, "(2,)"), floats(ByteOrder.LITTLE_ENDIAN, 1f, 2f)))
                        .values());
        assertArrayEquals(
                new float[] {7f},
                read(npy(1, dict("<f4", true, "()"), floats(ByteOrder.LITTLE_ENDIAN, 7f)))
                        .values());
        // 2×3 in Fortran order: columns (0,3), (1,4), (2,5).
        assertArrayEquals(
                new float[] {0, 1, 2, 3, 4, 5},
                read(npy(
                                1,
                                dict("<f4", true, "(2, 3)"),
                                floats(ByteOrder.LITTLE_ENDIAN, 0, 3, 1, 4, 2, 5)))
                        .values());
    }

    @Test
    void zeroDimensionalArrayIsAScalar() throws IOException {
        Tensor t = read(npy(1, dict("<f4", false, "()"), floats(ByteOrder.LITTLE_ENDIAN, 2.5f)));
        assertArrayEquals(new long[0], t.shape());
        assertArrayEquals(new float[] {2.5f}, t.values());
    }

    @Test
    void emptyArrayNeedsNoData() throws IOException {
        Tensor t = read(npy(1, dict("<f8", false, "(0, 5)"), new byte[0]));
        assertArrayEquals(new long[] {0, 5}, t.shape());
        assertEquals(0, t.elementCount());
    }

    @Test
    void acceptsPython2LongSuffixAndDoubleQuotesAndKeysInAnyOrder() throws IOException {
        String header = "{\"shape\": (1L, 2L), \"fortran_order\": False, \"descr\": \"<f4\"}";
        assertArrayEquals(
                new long[] {1, 2},
                read(npy(1, header, floats(ByteOrder.LITTLE_ENDIAN, 1f, 2f))).shape());
    }

    // ---------------------------------------------------------------------------------------------
    // Malformed files

    @Test
    void emptyFile() throws IOException {
        assertMentions(failure(new byte[0]), "empty");
    }

    @Test
    void tooShort() throws IOException {
        assertMentions(failure(new byte[] {(byte) 0x93, 'N', 'U'}), "only 3 bytes");
    }

    @Test
    void badMagic() throws IOException {
        assertMentions(
                failure("PK\3\4 this is a zip".getBytes(StandardCharsets.ISO_8859_1)), "bad magic");
    }

    @Test
    void unsupportedVersion() throws IOException {
        byte[] bytes = npy(1, dict("<f4", false, "()"), new byte[4]);
        bytes[6] = 4;
        assertMentions(failure(bytes), "version 4.0");
    }

    @Test
    void headerLengthOverTheLimit() throws IOException {
        byte[] bytes = npy(2, dict("<f4", false, "()"), new byte[4]);
        ByteBuffer.wrap(bytes, 8, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(-1); // 4 GiB - 1
        assertMentions(failure(bytes), "header length 4294967295", "limit");
    }

    @Test
    void headerTruncated() throws IOException {
        byte[] bytes = npy(1, dict("<f4", false, "()"), new byte[0]);
        assertMentions(failure(java.util.Arrays.copyOf(bytes, 20)), "header truncated");
    }

    @Test
    void garbageHeader() throws IOException {
        assertMentions(failure(npy(1, "hello world\n", new byte[0])), "bad header", "expected '{'");
        assertMentions(
                failure(npy(1, "{'descr': <f4}", new byte[0])),
                "bad header",
                "unexpected character");
        assertMentions(
                failure(npy(1, "{'descr': '<f4", new byte[0])),
                "bad header",
                "unterminated string");
        assertMentions(failure(npy(1, "{'descr': '<f4',, }", new byte[0])), "bad header");
        assertMentions(
                failure(npy(1, "{'a': 1} trailing", new byte[0])), "bad header", "after the dict");
        assertMentions(failure(npy(1, "{'a': __import__('os')}", new byte[0])), "bad header");
    }

    @Test
    void headerNestingIsBounded() throws IOException {
        String deep = "(".repeat(50_000) + ")".repeat(50_000);
        assertMentions(
                failure(
                        npy(
                                2,
                                "{'descr': '<f4', 'fortran_order': False, 'shape': " + deep + "}",
                                new byte[0])),
                "nesting");
    }

    @Test
    void missingExtraAndDuplicateKeys() throws IOException {
        assertMentions(
                failure(npy(1, "{'descr': '<f4', 'shape': (1,)}", new byte[4])),
                "missing key 'fortran_order'");
        assertMentions(
                failure(
                        npy(
                                1,
                                "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}",
                                new byte[4])),
                "keys");
        assertMentions(
                failure(
                        npy(
                                1,
                                "{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape':"
                                    + " (1,)}",
                                new byte[4])),
                "duplicate key 'descr'");
    }

    @Test
    void objectDtypeIsRefused() throws IOException {
        assertMentions(
                failure(npy(1, dict("|O", false, "(1,)"), new byte[8])), "object arrays", "'|O'");
    }

    @Test
    void unsupportedDtypes() throws IOException {
        assertMentions(
                failure(npy(1, dict("<c8", false, "(1,)"), new byte[8])),
                "unsupported dtype '<c8'");
        assertMentions(
                failure(npy(1, dict("<U5", false, "(1,)"), new byte[20])), "unsupported dtype");
        assertMentions(failure(npy(1, dict("|f4", false, "(1,)"), new byte[4])), "byte order '|'");
        assertMentions(
                failure(
                        npy(
                                1,
                                "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}",
                                new byte[4])),
                "structured dtype");
    }

    @Test
    void badShapes() throws IOException {
        assertMentions(failure(npy(1, dict("<f4", false, "(-1,)"), new byte[4])), "non-negative");
        assertMentions(failure(npy(1, dict("<f4", false, "[2, 3]"), new byte[24])), "tuple");
        assertMentions(failure(npy(1, dict("<f4", false, "(3)"), new byte[12])), "not a tuple");
        assertMentions(
                failure(npy(1, dict("<f4", false, "('a',)"), new byte[4])),
                "non-negative integers");
        assertMentions(
                failure(npy(1, dict("<f4", false, "(99999999999999999999,)"), new byte[4])),
                "out of range");
        assertMentions(
                failure(npy(1, dict("<f4", false, "(2.5,)"), new byte[4])), "not an integer");
    }

    @Test
    void fortranOrderMustBeABoolean() throws IOException {
        assertMentions(
                failure(npy(1, "{'descr': '<f4', 'fortran_order': 1, 'shape': (1,)}", new byte[4])),
                "fortran_order");
    }

    @Test
    void shapeTooLargeForAJavaArray() throws IOException {
        assertMentions(
                failure(npy(1, dict("<f4", false, "(65536, 65536)"), new byte[4])),
                "more than",
                "elements");
    }

    @Test
    void truncatedData() throws IOException {
        assertMentions(
                failure(npy(1, dict("<f4", false, "(2, 3)"), new byte[20])),
                "data truncated",
                "needs 24 bytes",
                "only 20");
    }

    @Test
    void hugeClaimOnAStreamDoesNotAllocateTheClaim() throws IOException {
        // 2e9 floats would be 8 GB; only 16 bytes exist. The file reader refuses before allocating;
        // the stream reader allocates as data arrives and fails when it runs out.
        byte[] bytes = npy(1, dict("<f4", false, "(2000000000,)"), new byte[16]);
        assertMentions(failure(bytes), "data truncated", "8000000000");
    }
}
