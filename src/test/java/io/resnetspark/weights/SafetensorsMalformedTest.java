package io.resnetspark.weights;

import static io.resnetspark.weights.SafetensorsFormatTest.writeRaw;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Every malformed safetensors file must fail with a {@link WeightsFormatException} whose message
 * names the file, the problem and, where there is one, the tensor.
 */
class SafetensorsMalformedTest {

    @TempDir Path dir;

    private int counter;

    /** Reads the file and returns the failure's message, after checking it names the file. */
    private String failureOf(Path file) {
        WeightsFormatException e =
                assertThrows(WeightsFormatException.class, () -> SafetensorsFormat.read(file));
        assertTrue(
                e.getMessage().contains(file.toString()),
                "message names the file: " + e.getMessage());
        return e.getMessage();
    }

    private static void assertMentions(String message, String... words) {
        for (String word : words) {
            assertTrue(
                    message.toLowerCase(Locale.ROOT).contains(word.toLowerCase(Locale.ROOT)),
                    "expected '" + word + "' in: " + message);
        }
    }

    private Path raw(byte[] bytes) throws IOException {
        return Files.write(dir.resolve("f" + counter++ + ".safetensors"), bytes);
    }

    private Path header(String json, int dataBytes) throws IOException {
        return writeRaw(dir.resolve("f" + counter++ + ".safetensors"), json, new byte[dataBytes]);
    }

    /** A one-tensor header with the given entry body for tensor "conv1.weight". */
    private Path entry(String body, int dataBytes) throws IOException {
        return header("{\"conv1.weight\":{" + body + "}}", dataBytes);
    }

    private static byte[] lengthPrefix(long length, int extraBytes) {
        return ByteBuffer.allocate(8 + extraBytes)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(length)
                .array();
    }

    // ---------------------------------------------------------------------------------------------
    // Size of the file and the header length

    @Test
    void emptyFile() throws IOException {
        assertMentions(failureOf(raw(new byte[0])), "empty", "header length");
    }

    @Test
    void shorterThanTheLengthPrefix() throws IOException {
        assertMentions(failureOf(raw(new byte[5])), "only 5 bytes", "header length");
    }

    @Test
    void headerLengthLargerThanTheFile() throws IOException {
        assertMentions(
                failureOf(raw(lengthPrefix(1000, 20))),
                "header length 1000",
                "larger",
                "truncated");
    }

    @Test
    void absurdHeaderLengthIsRefusedBeforeAllocating() throws IOException {
        assertMentions(
                failureOf(raw(lengthPrefix(1L << 40, 20))), "header length 1099511627776", "limit");
    }

    @Test
    void headerLengthJustOverTheLimit() throws IOException {
        assertMentions(failureOf(raw(lengthPrefix(100_000_001L, 20))), "header length", "limit");
    }

    @Test
    void headerLengthWithTheTopBitSetIsTreatedAsUnsigned() throws IOException {
        assertMentions(
                failureOf(raw(lengthPrefix(-1L, 20))),
                "header length 18446744073709551615",
                "limit");
    }

    // ---------------------------------------------------------------------------------------------
    // Header JSON syntax

    @Test
    void garbageHeader() throws IOException {
        assertMentions(failureOf(header("@@ not json @@", 0)), "not valid JSON");
    }

    @Test
    void headerNotUtf8() throws IOException {
        byte[] bytes = lengthPrefix(4, 4);
        bytes[8] = '{';
        bytes[9] = (byte) 0xFF;
        bytes[10] = (byte) 0xFE;
        bytes[11] = '}';
        assertMentions(failureOf(raw(bytes)), "UTF-8");
    }

    @Test
    void truncatedJson() throws IOException {
        assertMentions(
                failureOf(header("{\"conv1.weight\":{\"dtype\":\"F32\",\"shape\":[2", 0)),
                "not valid JSON");
    }

    @Test
    void emptyHeader() throws IOException {
        assertMentions(failureOf(header("", 0)), "header is empty");
        assertMentions(failureOf(header("        ", 0)), "header is empty");
    }

    @Test
    void jsonArrayInsteadOfObject() throws IOException {
        assertMentions(failureOf(header("[1, 2, 3]", 0)), "must be an object", "array");
    }

    @Test
    void jsonNumberInsteadOfObject() throws IOException {
        assertMentions(failureOf(header("42", 0)), "must be an object", "number");
    }

    @Test
    void contentAfterTheObject() throws IOException {
        assertMentions(failureOf(header("{} {}", 0)), "JSON");
    }

    @Test
    void lenientJsonIsRefused() throws IOException {
        // Single quotes and unquoted names are accepted by lenient parsers but are not JSON.
        assertMentions(failureOf(header("{'w': {dtype: 'F32'}}", 0)), "not valid JSON");
    }

    @Test
    void deeplyNestedUnknownFieldDoesNotOverflowTheStack() throws IOException {
        String deep = "[".repeat(200_000) + "]".repeat(200_000);
        Path file =
                entry("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":" + deep, 4);
        // Accepted: unknown fields are skipped (iteratively, by Gson), whatever their depth.
        assertTrue(SafetensorsFormat.read(file).containsKey("conv1.weight"));
    }

    // ---------------------------------------------------------------------------------------------
    // Entry structure and JSON types

    @Test
    void entryNotAnObject() throws IOException {
        assertMentions(failureOf(header("{\"conv1.weight\": 3}", 0)), "conv1.weight", "object");
    }

    @Test
    void missingDtype() throws IOException {
        assertMentions(
                failureOf(entry("\"shape\":[1],\"data_offsets\":[0,4]", 4)),
                "conv1.weight",
                "missing",
                "dtype");
    }

    @Test
    void missingShape() throws IOException {
        assertMentions(
                failureOf(entry("\"dtype\":\"F32\",\"data_offsets\":[0,4]", 4)),
                "conv1.weight",
                "missing",
                "shape");
    }

    @Test
    void missingOffsets() throws IOException {
        assertMentions(
                failureOf(entry("\"dtype\":\"F32\",\"shape\":[1]", 4)),
                "conv1.weight",
                "missing",
                "data_offsets");
    }

    @Test
    void dtypeNotAString() throws IOException {
        assertMentions(
                failureOf(entry("\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]", 4)),
                "conv1.weight",
                "dtype",
                "string");
    }

    @Test
    void negativeShape() throws IOException {
        assertMentions(
                failureOf(entry("\"dtype\":\"F32\",\"shape\":[-1,4],\"data_offsets\":[0,4]", 4)),
                "conv1.weight",
                "shape",
                "negative");
    }

    @Test
    void nonIntegerShape() throws IOException {
        assertMentions(
                failureOf(entry("\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,4]", 4)),
                "conv1.weight",
                "shape",
                "not an integer");
        assertMentions(
                failureOf(entry("\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]", 4)),
                "not an integer");
        assertMentions(
                failureOf(entry("\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]", 4)),
                "shape",
                "integers",
                "string");
    }

    @Test
    void shapeNotAnArray() throws IOException {
        assertMentions(
                failureOf(entry("\"dtype\":\"F32\",\"shape\":4,\"data_offsets\":[0,4]", 4)),
                "conv1.weight",
                "shape",
                "array");
    }

    @Test
    void shapeNumberOutOfRange() throws IOException {
        assertMentions(
                failureOf(
                        entry(
                                "\"dtype\":\"F32\",\"shape\":[123456789012345678901234567890],"
                                        + "\"data_offsets\":[0,4]",
                                4)),
                "conv1.weight",
                "not an integer in range");
    }

    @Test
    void tooManyDimensions() throws IOException {
        String shape = "1,".repeat(65) + "1";
        assertMentions(
                failureOf(
                        entry(
                                "\"dtype\":\"F32\",\"shape\":["
                                        + shape
                                        + "],\"data_offsets\":[0,4]",
                                4)),
                "conv1.weight",
                "shape",
                "more than 64");
    }

    @Test
    void offsetsNotTwoIntegers() throws IOException {
        assertMentions(
                failureOf(entry("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]", 8)),
                "conv1.weight",
                "data_offsets",
                "more than 2");
        assertMentions(
                failureOf(entry("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4]", 4)),
                "conv1.weight",
                "data_offsets",
                "two integers");
        assertMentions(
                failureOf(entry("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{\"a\":1}", 4)),
                "conv1.weight",
                "data_offsets",
                "array");
        assertMentions(
                failureOf(entry("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,null]", 4)),
                "conv1.weight",
                "data_offsets",
                "null");
    }

    @Test
    void metadataValueNotAString() throws IOException {
        assertMentions(
                failureOf(header("{\"__metadata__\":{\"epoch\":3}}", 0)),
                "__metadata__",
                "epoch",
                "string");
        assertMentions(failureOf(header("{\"__metadata__\":[1]}", 0)), "__metadata__", "object");
    }

    // ---------------------------------------------------------------------------------------------
    // Duplicates

    @Test
    void duplicateTensorName() throws IOException {
        String e = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
        assertMentions(
                failureOf(header("{\"conv1.weight\":" + e + ",\"conv1.weight\":" + e + "}", 4)),
                "conv1.weight",
                "twice",
                "duplicate");
    }

    @Test
    void duplicateFieldInAnEntry() throws IOException {
        assertMentions(
                failureOf(
                        entry(
                                "\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,4]",
                                4)),
                "conv1.weight",
                "dtype",
                "duplicate");
    }

    @Test
    void duplicateMetadataKey() throws IOException {
        assertMentions(
                failureOf(header("{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"}}", 0)), "duplicate");
    }

    // ---------------------------------------------------------------------------------------------
    // dtype

    @Test
    void unknownDtype() throws IOException {
        assertMentions(
                failureOf(entry("\"dtype\":\"F8_E4M3\",\"shape\":[4],\"data_offsets\":[0,4]", 4)),
                "conv1.weight",
                "unsupported dtype",
                "F8_E4M3");
        assertMentions(
                failureOf(entry("\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]", 4)),
                "conv1.weight",
                "dtype",
                "'f32'");
    }

    // ---------------------------------------------------------------------------------------------
    // Offsets against shape and file

    @Test
    void offsetsPastTheEndOfATruncatedFile() throws IOException {
        assertMentions(
                failureOf(entry("\"dtype\":\"F32\",\"shape\":[100],\"data_offsets\":[0,400]", 16)),
                "conv1.weight",
                "data_offsets [0, 400]",
                "past the end",
                "truncated");
    }

    @Test
    void hugeOffsetsAreRefusedWithoutAllocating() throws IOException {
        assertMentions(
                failureOf(
                        entry(
                                "\"dtype\":\"F32\",\"shape\":[500000000],\"data_offsets\":[0,2000000000]",
                                16)),
                "conv1.weight",
                "past the end");
    }

    @Test
    void beginAfterEnd() throws IOException {
        assertMentions(
                failureOf(entry("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]", 8)),
                "conv1.weight",
                "data_offsets [8, 4]",
                "begin > end");
    }

    @Test
    void byteLengthDisagreesWithShape() throws IOException {
        assertMentions(
                failureOf(entry("\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]", 20)),
                "conv1.weight",
                "span 20 bytes",
                "needs 24 bytes");
        assertMentions(
                failureOf(entry("\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,12]", 12)),
                "conv1.weight",
                "BF16",
                "needs 6 bytes");
    }

    @Test
    void elementCountOverflows() throws IOException {
        // 2^32 × 2^32 wraps to 0 in 64-bit arithmetic, which would match an empty data range.
        assertMentions(
                failureOf(
                        entry(
                                "\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]",
                                0)),
                "conv1.weight",
                "more than",
                "elements");
        assertMentions(
                failureOf(
                        entry(
                                "\"dtype\":\"U8\",\"shape\":[9223372036854775807,2],\"data_offsets\":[0,0]",
                                0)),
                "conv1.weight",
                "more than");
    }

    @Test
    void elementCountAboveTheJavaArrayLimit() throws IOException {
        // 2^31 - 1 one-byte elements: a valid safetensors shape, but not a Java float array.
        assertMentions(
                failureOf(
                        entry(
                                "\"dtype\":\"U8\",\"shape\":[2147483647],\"data_offsets\":[0,2147483647]",
                                0)),
                "conv1.weight",
                "more than 2147483639 elements");
    }

    // ---------------------------------------------------------------------------------------------
    // Layout: overlaps, gaps and trailing bytes are all rejected (as the reference reader does), so
    // no two tensors alias the same bytes and every data byte belongs to exactly one tensor.

    @Test
    void overlappingRegions() throws IOException {
        assertMentions(
                failureOf(
                        header(
                                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                    + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                                12)),
                "'b'",
                "overlap",
                "'a'");
    }

    @Test
    void identicalRegions() throws IOException {
        assertMentions(
                failureOf(
                        header(
                                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                                    + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                                4)),
                "overlap");
    }

    @Test
    void gapBetweenRegions() throws IOException {
        assertMentions(
                failureOf(
                        header(
                                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                                    + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
                                12)),
                "'b'",
                "gap of 4",
                "'a'");
    }

    @Test
    void gapBeforeTheFirstRegion() throws IOException {
        assertMentions(
                failureOf(entry("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]", 8)),
                "conv1.weight",
                "gap");
    }

    @Test
    void trailingBytesAfterTheLastRegion() throws IOException {
        assertMentions(
                failureOf(entry("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]", 9)),
                "5 bytes after the last tensor");
    }

    @Test
    void zeroSizeTensorsMayShareAnOffset() throws IOException {
        Path file =
                header(
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},"
                            + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                            + "\"c\":{\"dtype\":\"F16\",\"shape\":[3,0],\"data_offsets\":[4,4]}}",
                        4);
        Map<String, Tensor> tensors = SafetensorsFormat.read(file);
        assertTrue(tensors.get("a").elementCount() == 0 && tensors.get("c").elementCount() == 0);
    }
}
