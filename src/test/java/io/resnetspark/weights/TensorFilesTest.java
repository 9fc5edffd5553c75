package io.resnetspark.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

class TensorFilesTest {

    @TempDir Path dir;

    private static Map<String, Tensor> sample() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("fc.bias", Tensor.of(new float[] {0.5f, -0.5f, 2f}, 3));
        tensors.put("fc.weight", Tensor.of(new float[] {1f, 2f, 3f, 4f, 5f, 6f}, 3, 2));
        return tensors;
    }

    @Test
    void choosesTheReaderByContentNotName() throws IOException {
        Path safetensors = dir.resolve("weights.safetensors");
        Path npz = dir.resolve("weights.npz");
        TensorFiles.write(safetensors, sample());
        TensorFiles.write(npz, sample());
        // Renamed to opaque names, both are still recognised.
        Path a = Files.move(safetensors, dir.resolve("download-1.bin"));
        Path b = Files.move(npz, dir.resolve("download-2.bin"));
        Map<String, Tensor> fromSafetensors = TensorFiles.read(a);
        Map<String, Tensor> fromNpz = TensorFiles.read(b);
        assertEquals(List.of("fc.bias", "fc.weight"), List.copyOf(fromSafetensors.keySet()));
        assertEquals(List.of("fc.bias", "fc.weight"), List.copyOf(fromNpz.keySet()));
        for (String name : sample().keySet()) {
            Tensor expected = sample().get(name);
            assertEquals(expected, fromSafetensors.get(name));
            assertEquals(new Tensor(expected.shape(), expected.values(), "<f4"), fromNpz.get(name));
        }
    }

    @Test
    void readsAnEmptyNpz() throws IOException {
        Path file = dir.resolve("empty.npz");
        TensorFiles.write(file, Map.of());
        assertTrue(TensorFiles.read(file).isEmpty());
    }

    @Test
    void writeChoosesByExtensionCaseInsensitively() throws IOException {
        Path upper = dir.resolve("MODEL.SafeTensors");
        TensorFiles.write(upper, sample());
        assertEquals(sample(), SafetensorsFormat.read(upper));
        Path npz = dir.resolve("model.NPZ");
        TensorFiles.write(npz, sample());
        assertEquals(2, NpzFormat.read(npz).size());
    }

    @Test
    void writeRefusesOtherExtensions() {
        for (String name :
                new String[] {"model.pt", "model.npy", "model", "model.safetensors.tmp"}) {
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> TensorFiles.write(dir.resolve(name), sample()));
            assertTrue(e.getMessage().contains(name), e.getMessage());
        }
    }

    @Test
    void malformedSafetensorsErrorNamesTheFile() throws IOException {
        Path file = Files.write(dir.resolve("broken.bin"), new byte[] {1, 2, 3});
        WeightsFormatException e =
                assertThrows(WeightsFormatException.class, () -> TensorFiles.read(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void malformedNpzErrorNamesTheFile() throws IOException {
        byte[] bytes = "PK\3\4 but nothing else".getBytes(StandardCharsets.ISO_8859_1);
        Path file = Files.write(dir.resolve("broken.npz"), bytes);
        WeightsFormatException e =
                assertThrows(WeightsFormatException.class, () -> TensorFiles.read(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("zip"), e.getMessage());
    }

    @Test
    void singleNpyIsExplained() throws IOException {
        Path file = dir.resolve("one.npy");
        NpyFormat.write(file, Tensor.of(new float[] {1f}, 1));
        WeightsFormatException e =
                assertThrows(WeightsFormatException.class, () -> TensorFiles.read(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("single .npy"), e.getMessage());
    }

    @Test
    void missingFileKeepsItsExceptionType() {
        Path file = dir.resolve("absent.safetensors");
        NoSuchFileException e =
                assertThrows(NoSuchFileException.class, () -> TensorFiles.read(file));
        assertTrue(e.getMessage().contains(file.toString()));
    }

    @Test
    void directoryErrorNamesIt() {
        IOException e = assertThrows(IOException.class, () -> TensorFiles.read(dir));
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
    }

    @Test
    void sha256OfKnownInputs() throws IOException {
        assertEquals(
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                TensorFiles.sha256(Files.write(dir.resolve("empty"), new byte[0])));
        assertEquals(
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                TensorFiles.sha256(
                        Files.write(
                                dir.resolve("abc"), "abc".getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void sha256OfAFileLargerThanTheBuffer() throws IOException, NoSuchAlgorithmException {
        byte[] bytes = new byte[3_000_017];
        new Random(7).nextBytes(bytes);
        Path file = Files.write(dir.resolve("big"), bytes);
        String expected =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        assertEquals(expected, TensorFiles.sha256(file));
    }
}
