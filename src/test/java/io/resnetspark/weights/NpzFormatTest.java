package io.resnetspark.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

class NpzFormatTest {

    @TempDir Path dir;

    private static Map<String, Tensor> sample() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        float[] w = new float[2 * 3 * 3 * 3];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(i);
        }
        tensors.put("conv1.weight", Tensor.of(w, 2, 3, 3, 3));
        tensors.put("bn1.running_var", Tensor.of(new float[] {1f, Float.NaN}, 2));
        tensors.put("layer1/step", Tensor.of(new float[] {7f}));
        tensors.put("empty", Tensor.of(new float[0], 0));
        return tensors;
    }

    /** Expected read-back: same shapes and values, dtype as numpy spells float32. */
    private static void assertSameTensors(
            Map<String, Tensor> expected, Map<String, Tensor> actual) {
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()));
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            Tensor t = e.getValue();
            assertEquals(
                    new Tensor(t.shape(), t.values(), "<f4"), actual.get(e.getKey()), e.getKey());
        }
    }

    private String failure(Path file) {
        WeightsFormatException e =
                assertThrows(WeightsFormatException.class, () -> NpzFormat.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        return e.getMessage();
    }

    private static void assertMentions(String message, String... words) {
        for (String word : words) {
            assertTrue(
                    message.toLowerCase(Locale.ROOT).contains(word.toLowerCase(Locale.ROOT)),
                    "expected '" + word + "' in: " + message);
        }
    }

    /** Writes a zip whose entries hold the given raw bytes, deflated or stored. */
    private Path zip(String fileName, boolean deflate, Object... namesAndBytes) throws IOException {
        Path file = dir.resolve(fileName);
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(file))) {
            for (int i = 0; i < namesAndBytes.length; i += 2) {
                byte[] data = (byte[]) namesAndBytes[i + 1];
                ZipEntry entry = new ZipEntry((String) namesAndBytes[i]);
                if (!deflate) {
                    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                    crc.update(data);
                    entry.setMethod(ZipEntry.STORED);
                    entry.setSize(data.length);
                    entry.setCompressedSize(data.length);
                    entry.setCrc(crc.getValue());
                }
                out.putNextEntry(entry);
                out.write(data);
                out.closeEntry();
            }
        }
        return file;
    }

    private static byte[] npyBytes(Tensor t) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NpyFormat.write(out, t);
        return out.toByteArray();
    }

    // ---------------------------------------------------------------------------------------------
    // Round trips

    @Test
    void storedRoundTrip() throws IOException {
        Path file = dir.resolve("w.npz");
        NpzFormat.write(file, sample());
        assertSameTensors(sample(), NpzFormat.read(file));
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry entry = zip.getEntry("conv1.weight.npy");
            assertEquals(
                    ZipEntry.STORED, entry.getMethod(), "numpy.savez stores entries uncompressed");
        }
    }

    @Test
    void compressedRoundTrip() throws IOException {
        Path file = dir.resolve("wc.npz");
        NpzFormat.write(file, sample(), true);
        assertSameTensors(sample(), NpzFormat.read(file));
        try (ZipFile zip = new ZipFile(file.toFile())) {
            assertEquals(ZipEntry.DEFLATED, zip.getEntry("conv1.weight.npy").getMethod());
        }
    }

    @Test
    void writingIsDeterministic() throws IOException {
        Path a = dir.resolve("a.npz");
        Path b = dir.resolve("b.npz");
        NpzFormat.write(a, sample());
        NpzFormat.write(b, sample());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    }

    @Test
    void emptyArchiveRoundTrips() throws IOException {
        Path file = dir.resolve("empty.npz");
        NpzFormat.write(file, Map.of());
        assertTrue(NpzFormat.read(file).isEmpty());
    }

    @Test
    void directoryEntriesAreSkipped() throws IOException {
        Path file =
                zip(
                        "dirs.npz",
                        true,
                        "sub/",
                        new byte[0],
                        "sub/x.npy",
                        npyBytes(Tensor.of(new float[] {1f}, 1)));
        assertEquals(List.of("sub/x"), List.copyOf(NpzFormat.read(file).keySet()));
    }

    // ---------------------------------------------------------------------------------------------
    // Malformed archives

    @Test
    void emptyFileIsNotAZip() throws IOException {
        assertMentions(failure(Files.write(dir.resolve("e.npz"), new byte[0])), "not a valid .npz");
    }

    @Test
    void garbageIsNotAZip() throws IOException {
        byte[] garbage = "this is certainly not a zip archive".getBytes(StandardCharsets.US_ASCII);
        assertMentions(failure(Files.write(dir.resolve("g.npz"), garbage)), "not a valid .npz");
    }

    @Test
    void truncatedZip() throws IOException {
        Path file = dir.resolve("t.npz");
        NpzFormat.write(file, sample());
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));
        assertMentions(failure(file), "not a valid .npz");
    }

    @Test
    void corruptStoredDataFailsTheCrc() throws IOException {
        Path file = dir.resolve("c.npz");
        NpzFormat.write(file, Map.of("w", Tensor.of(new float[64], 64)));
        byte[] bytes = Files.readAllBytes(file);
        // Flip a byte in the middle of the float data (after local header and .npy header).
        int dataStart = indexOf(bytes, "w.npy".getBytes(StandardCharsets.US_ASCII)) + 5;
        bytes[dataStart + 200] ^= 0x55;
        Files.write(file, bytes);
        assertMentions(failure(file), "entry 'w.npy'", "CRC");
    }

    @Test
    void corruptDeflatedDataIsAFormatError() throws IOException {
        Path file = dir.resolve("d.npz");
        float[] values = new float[4096];
        for (int i = 0; i < values.length; i++) {
            values[i] = i % 17;
        }
        NpzFormat.write(file, Map.of("w", Tensor.of(values, values.length)), true);
        byte[] bytes = Files.readAllBytes(file);
        int dataStart = indexOf(bytes, "w.npy".getBytes(StandardCharsets.US_ASCII)) + 5;
        for (int i = 10; i < 60; i++) {
            bytes[dataStart + i] ^= (byte) (i * 37 + 11);
        }
        Files.write(file, bytes);
        assertMentions(failure(file), "entry 'w.npy'");
    }

    @Test
    void entryThatIsNotNpy() throws IOException {
        Path file = zip("txt.npz", true, "readme.txt", "hello".getBytes(StandardCharsets.US_ASCII));
        assertMentions(failure(file), "entry 'readme.txt'", "not an .npy");
    }

    @Test
    void entryWithMalformedNpy() throws IOException {
        Path file =
                zip(
                        "bad.npz",
                        false,
                        "w.npy",
                        "garbage!garbage!".getBytes(StandardCharsets.US_ASCII));
        assertMentions(failure(file), "entry 'w.npy'", "bad magic");
    }

    @Test
    void duplicateEntries() throws IOException {
        Path file =
                zip(
                        "dup.npz",
                        false,
                        "a.npy",
                        npyBytes(Tensor.of(new float[] {1f}, 1)),
                        "b.npy",
                        npyBytes(Tensor.of(new float[] {2f}, 1)));
        // Rename b.npy to a.npy in both the local header and the central directory.
        byte[] bytes = Files.readAllBytes(file);
        byte[] from = "b.npy".getBytes(StandardCharsets.US_ASCII);
        for (int i = indexOf(bytes, from); i >= 0; i = indexOf(bytes, from)) {
            bytes[i] = 'a';
        }
        Files.write(file, bytes);
        assertMentions(failure(file), "'a.npy'", "duplicate");
    }

    @Test
    void entryClaimingAHugeArrayIsNotTrusted() throws IOException {
        // A deflated entry whose .npy header claims 500 million floats (2 GB) but which holds only
        // 8 MB of zeros, compressing to a few kilobytes: reading must fail on the missing data,
        // having
        // allocated memory only for the data that exists.
        byte[] header =
                Arrays.copyOf(
                        NpyFormatTest.npy(
                                1, NpyFormatTest.dict("<f4", false, "(500000000,)"), new byte[0]),
                        10 + 118);
        Path file = dir.resolve("bomb.npz");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(file))) {
            out.putNextEntry(new ZipEntry("w.npy"));
            out.write(header);
            out.write(new byte[8 << 20]);
            out.closeEntry();
        }
        assertTrue(Files.size(file) < 100_000, "the archive is small");
        assertMentions(failure(file), "entry 'w.npy'", "data truncated", "2000000000");
    }

    @Test
    void entryRoundTripOfBigEndianIsReadCorrectly() throws IOException {
        byte[] npy =
                NpyFormatTest.npy(
                        1,
                        NpyFormatTest.dict(">f4", false, "(2,)"),
                        NpyFormatTest.floats(ByteOrder.BIG_ENDIAN, 1.25f, -8f));
        Path file = zip("be.npz", true, "be.npy", npy);
        assertArrayEquals(new float[] {1.25f, -8f}, NpzFormat.read(file).get("be").values());
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
