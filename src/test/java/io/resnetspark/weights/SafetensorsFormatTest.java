package io.resnetspark.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Round trips, layout and dtype widening for well-formed safetensors files. */
class SafetensorsFormatTest {

    @TempDir Path dir;

    /** Writes a safetensors file from a header and raw data, with no checks, as a test fixture. */
    static Path writeRaw(Path file, String headerJson, byte[] data) throws IOException {
        byte[] header = headerJson.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(
                ByteBuffer.allocate(8)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(header.length)
                        .array());
        out.writeBytes(header);
        out.writeBytes(data);
        Files.write(file, out.toByteArray());
        return file;
    }

    /** Little-endian bytes of 16-bit values. */
    static byte[] shorts(int... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putShort((short) v);
        }
        return b.array();
    }

    private Tensor readSingle(String dtype, long[] shape, byte[] data) throws IOException {
        String shapeJson = java.util.Arrays.toString(shape).replace(" ", "");
        String header =
                "{\"t\":{\"dtype\":\""
                        + dtype
                        + "\",\"shape\":"
                        + shapeJson
                        + ",\"data_offsets\":[0,"
                        + data.length
                        + "]}}";
        Path file = writeRaw(dir.resolve(dtype + ".safetensors"), header, data);
        Map<String, Tensor> tensors = SafetensorsFormat.read(file);
        assertEquals(List.of("t"), List.copyOf(tensors.keySet()));
        Tensor t = tensors.get("t");
        assertEquals(dtype, t.sourceDtype());
        assertArrayEquals(shape, t.shape());
        return t;
    }

    // ---------------------------------------------------------------------------------------------
    // Round trips

    @Test
    void roundTripPreservesShapesAndExactBits() throws IOException {
        Random random = new Random(42);
        float[] big = new float[3 * 5 * 7];
        for (int i = 0; i < big.length; i++) {
            big[i] = (float) random.nextGaussian();
        }
        float[] special = {
            Float.NaN,
            Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY,
            -0f,
            Float.MIN_VALUE,
            Float.MAX_VALUE
        };
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("layer1.conv.weight", Tensor.of(big, 3, 5, 7));
        tensors.put("special", Tensor.of(special, 6));
        tensors.put("scalar", Tensor.of(new float[] {3.25f}));
        tensors.put("empty", Tensor.of(new float[0], 0, 4));
        Path file = dir.resolve("model.safetensors");
        SafetensorsFormat.write(file, tensors);

        Map<String, Tensor> back = SafetensorsFormat.read(file);
        assertEquals(tensors.keySet(), back.keySet());
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = back.get(e.getKey());
            assertArrayEquals(e.getValue().shape(), t.shape(), e.getKey());
            assertEquals("F32", t.sourceDtype());
            float[] expected = e.getValue().values();
            for (int i = 0; i < expected.length; i++) {
                assertEquals(
                        Float.floatToRawIntBits(expected[i]),
                        Float.floatToRawIntBits(t.values()[i]),
                        "i=" + i);
            }
        }
    }

    @Test
    void roundTripOfMoreThanOneReadChunk() throws IOException {
        // Larger than the 1 MiB read/write chunk, so the chunk boundaries are exercised.
        float[] values = new float[700_001];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0.25f;
        }
        Path file = dir.resolve("big.safetensors");
        SafetensorsFormat.write(file, Map.of("w", Tensor.of(values, values.length)));
        assertArrayEquals(values, SafetensorsFormat.read(file).get("w").values());
    }

    @Test
    void metadataRoundTrips() throws IOException {
        Path file = dir.resolve("meta.safetensors");
        SafetensorsFormat.write(
                file,
                Map.of("w", Tensor.of(new float[] {1f}, 1)),
                Map.of("format", "pt", "note", "quote \" and ü"));
        SafetensorsFormat.Contents contents = SafetensorsFormat.readWithMetadata(file);
        assertEquals(Map.of("format", "pt", "note", "quote \" and ü"), contents.metadata());
        assertEquals(1, contents.tensors().size());
    }

    @Test
    void emptyMapRoundTrips() throws IOException {
        Path file = dir.resolve("none.safetensors");
        SafetensorsFormat.write(file, Map.of());
        assertTrue(SafetensorsFormat.read(file).isEmpty());
    }

    @Test
    void layoutMatchesTheReferenceWriter() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("b", Tensor.of(new float[] {1f, 2f}, 2));
        tensors.put("a", Tensor.of(new float[] {3f}, 1, 1));
        Path file = dir.resolve("layout.safetensors");
        SafetensorsFormat.write(file, tensors, Map.of("format", "pt"));

        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8, "data must start 8-byte aligned");
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertEquals(
                "{\"__metadata__\":{\"format\":\"pt\"},"
                        + "\"a\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[0,4]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                header.stripTrailing());
        assertEquals(8 + headerLength + 12, bytes.length);
        ByteBuffer data =
                ByteBuffer.wrap(bytes, 8 + (int) headerLength, 12).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(3f, data.getFloat());
        assertEquals(1f, data.getFloat());
        assertEquals(2f, data.getFloat());
        // Reading gives header order, i.e. sorted.
        assertEquals(List.of("a", "b"), List.copyOf(SafetensorsFormat.read(file).keySet()));
    }

    @Test
    void namesAreSortedByUtf8BytesLikeTheRustWriter() throws IOException {
        // In UTF-16 the emoji's surrogate (0xD83D) sorts before U+FF21 (fullwidth A), but in UTF-8
        // (F0 9F.. versus EF BC..) it sorts after, and the reference writer orders by UTF-8.
        String fullwidth = "\uFF21";
        String emoji = "\uD83D\uDE00";
        Path file = dir.resolve("utf8.safetensors");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put(emoji, Tensor.of(new float[] {1f}, 1));
        tensors.put(fullwidth, Tensor.of(new float[] {2f}, 1));
        SafetensorsFormat.write(file, tensors);
        assertEquals(List.of(fullwidth, emoji), List.copyOf(SafetensorsFormat.read(file).keySet()));
    }

    @Test
    void reservedMetadataNameCannotBeATensor() {
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        SafetensorsFormat.write(
                                dir.resolve("x.safetensors"),
                                Map.of(
                                        SafetensorsFormat.METADATA_KEY,
                                        Tensor.of(new float[] {1f}, 1))));
    }

    @Test
    void nullMetadataAndUnknownFieldsAreAccepted() throws IOException {
        Path file =
                writeRaw(
                        dir.resolve("extra.safetensors"),
                        "{\"__metadata__\":null,\"w\":{\"dtype\":\"F32\",\"shape\":[],"
                                + "\"data_offsets\":[0,4],\"future_field\":{\"x\":[1,2]}}}   ",
                        ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(7f).array());
        Tensor t = SafetensorsFormat.read(file).get("w");
        assertArrayEquals(new long[0], t.shape());
        assertArrayEquals(new float[] {7f}, t.values());
    }

    // ---------------------------------------------------------------------------------------------
    // Widening and narrowing

    @Test
    void bf16WidensByShifting() throws IOException {
        Tensor t =
                readSingle("BF16", new long[] {5}, shorts(0x3F80, 0xC000, 0x7F80, 0x0001, 0x7FC0));
        assertEquals(1.0f, t.values()[0]);
        assertEquals(-2.0f, t.values()[1]);
        assertEquals(Float.POSITIVE_INFINITY, t.values()[2]);
        assertEquals(Float.intBitsToFloat(0x0001_0000), t.values()[3]); // bf16 subnormal
        assertTrue(Float.isNaN(t.values()[4]));
    }

    @Test
    void f16WidensIncludingSubnormalsInfinitiesAndNaN() throws IOException {
        Tensor t =
                readSingle(
                        "F16",
                        new long[] {2, 4},
                        shorts(0x3C00, 0x0001, 0x03FF, 0x7C00, 0xFC00, 0x7E00, 0x8000, 0x7BFF));
        float[] v = t.values();
        assertEquals(1.0f, v[0]);
        assertEquals(0x1p-24f, v[1]);
        assertEquals(1023 * 0x1p-24f, v[2]);
        assertEquals(Float.POSITIVE_INFINITY, v[3]);
        assertEquals(Float.NEGATIVE_INFINITY, v[4]);
        assertTrue(Float.isNaN(v[5]));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(v[6]));
        assertEquals(65504f, v[7]);
    }

    @Test
    void f64Narrows() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        b.putDouble(1.5).putDouble(-0.1).putDouble(1e300).putDouble(Double.NaN);
        Tensor t = readSingle("F64", new long[] {4}, b.array());
        assertEquals(1.5f, t.values()[0]);
        assertEquals(-0.1f, t.values()[1]);
        assertEquals(Float.POSITIVE_INFINITY, t.values()[2]); // out of float range
        assertTrue(Float.isNaN(t.values()[3]));
    }

    @Test
    void integersConvert() throws IOException {
        ByteBuffer i64 = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        i64.putLong(-3).putLong(1L << 40).putLong(Long.MAX_VALUE);
        assertArrayEquals(
                new float[] {-3f, 0x1p40f, 0x1p63f},
                readSingle("I64", new long[] {3}, i64.array()).values());

        ByteBuffer i32 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        i32.putInt(-7).putInt(Integer.MAX_VALUE);
        assertArrayEquals(
                new float[] {-7f, 0x1p31f},
                readSingle("I32", new long[] {2}, i32.array()).values());

        assertArrayEquals(
                new float[] {-32768f, 32767f},
                readSingle("I16", new long[] {2}, shorts(0x8000, 0x7FFF)).values());
        assertArrayEquals(
                new float[] {65535f, 1f},
                readSingle("U16", new long[] {2}, shorts(0xFFFF, 1)).values());
        assertArrayEquals(
                new float[] {-128f, 127f},
                readSingle("I8", new long[] {2}, new byte[] {(byte) 0x80, 0x7F}).values());
        assertArrayEquals(
                new float[] {255f, 0f},
                readSingle("U8", new long[] {2}, new byte[] {(byte) 0xFF, 0}).values());
        assertArrayEquals(
                new float[] {0f, 1f, 1f},
                readSingle("BOOL", new long[] {3}, new byte[] {0, 1, 2}).values());

        ByteBuffer u32 = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(-1);
        assertArrayEquals(
                new float[] {4294967295f}, readSingle("U32", new long[] {1}, u32.array()).values());
        ByteBuffer u64 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(-1);
        assertArrayEquals(
                new float[] {0x1p64f}, readSingle("U64", new long[] {1}, u64.array()).values());
    }

    @Test
    void mixedDtypesInOneFileKeepHeaderOrder() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(4 + 2 + 8).order(ByteOrder.LITTLE_ENDIAN);
        data.putFloat(2.5f).putShort((short) 0x3F80).putDouble(-4.0);
        Path file =
                writeRaw(
                        dir.resolve("mixed.safetensors"),
                        "{\"z\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                            + "\"y\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[4,6]},"
                            + "\"x\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[6,14]}}",
                        data.array());
        Map<String, Tensor> tensors = SafetensorsFormat.read(file);
        assertEquals(List.of("z", "y", "x"), List.copyOf(tensors.keySet()));
        assertArrayEquals(new float[] {2.5f}, tensors.get("z").values());
        assertArrayEquals(new float[] {1f}, tensors.get("y").values());
        assertArrayEquals(new float[] {-4f}, tensors.get("x").values());
        assertEquals("BF16", tensors.get("y").sourceDtype());
    }
}
