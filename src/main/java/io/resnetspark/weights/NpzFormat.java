package io.resnetspark.weights;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Reads and writes numpy's .npz format: a zip archive with one {@code NAME.npy} entry per array,
 * stored ({@code numpy.savez}) or deflated ({@code numpy.savez_compressed}).
 *
 * <p>Sizes recorded in a zip are claims, not facts, and a deflated entry can expand a thousandfold,
 * so entries are streamed through {@link NpyFormat} in the mode that allocates only as data
 * actually arrives, and each entry's CRC-32 is verified.
 */
public final class NpzFormat {

    private static final String NPY_SUFFIX = ".npy";

    /**
     * Entry timestamp for written archives: fixed, so that equal tensors give byte-identical files
     * (and equal {@link TensorFiles#sha256} fingerprints). 1980-01-01 is the earliest zip time.
     */
    private static final LocalDateTime FIXED_TIME = LocalDateTime.of(1980, 1, 1, 0, 0);

    private NpzFormat() {}

    /**
     * Reads every array of an .npz file; entry {@code "name.npy"} becomes key {@code "name"}.
     * Directory entries are skipped; any other entry that is not {@code .npy} is an error, since
     * numpy would not load it as an array either.
     *
     * @param file the file to read
     * @return the tensors by name, in archive order
     * @throws WeightsFormatException if the file is not a valid zip, an entry is corrupt, or an
     *     array is malformed; the message names the file and entry
     * @throws IOException if the file cannot be read
     */
    public static LinkedHashMap<String, Tensor> read(Path file) throws IOException {
        String source = file.toString();
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new WeightsFormatException(
                    source + ": not a valid .npz (zip) file: " + e.getMessage(), e);
        }
        try (zip) {
            LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                if (entry.isDirectory()) {
                    continue;
                }
                String name = entry.getName();
                if (!name.endsWith(NPY_SUFFIX)) {
                    throw new WeightsFormatException(
                            source
                                    + ": entry '"
                                    + name
                                    + "' is not an .npy array (name must end in .npy)");
                }
                String key = name.substring(0, name.length() - NPY_SUFFIX.length());
                if (tensors.containsKey(key)) {
                    throw new WeightsFormatException(
                            source
                                    + ": entry '"
                                    + name
                                    + "' appears twice in the archive (duplicate entry)");
                }
                tensors.put(key, readEntry(zip, entry, source));
            }
            return tensors;
        }
    }

    /**
     * Writes tensors as an uncompressed .npz, as {@code numpy.savez} does: float32 data compresses
     * poorly, and stored entries can be read without inflating.
     *
     * @param file the file to create or replace
     * @param tensors the tensors by name; each becomes entry {@code name + ".npy"}
     * @throws IOException if writing fails
     */
    public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
        write(file, tensors, false);
    }

    /**
     * Writes tensors as an .npz, stored or deflated.
     *
     * @param file the file to create or replace
     * @param tensors the tensors by name; each becomes entry {@code name + ".npy"}
     * @param compress true to deflate entries, as {@code numpy.savez_compressed} does
     * @throws IllegalArgumentException if a name is null or empty
     * @throws IOException if writing fails
     */
    public static void write(Path file, Map<String, Tensor> tensors, boolean compress)
            throws IOException {
        Objects.requireNonNull(tensors, "tensors");
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty() || e.getValue() == null) {
                throw new IllegalArgumentException(
                        "tensor names must be non-empty and tensors non-null");
            }
        }
        try (ZipOutputStream zip =
                new ZipOutputStream(
                        new BufferedOutputStream(Files.newOutputStream(file), 1 << 16))) {
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                ZipEntry entry = new ZipEntry(e.getKey() + NPY_SUFFIX);
                entry.setTimeLocal(FIXED_TIME);
                if (compress) {
                    entry.setMethod(ZipEntry.DEFLATED);
                } else {
                    // A stored entry's size and CRC go in its local header, before the data, so
                    // they are
                    // computed first by serializing once into a checksum; this costs CPU, not
                    // memory.
                    CRC32 crc = new CRC32();
                    try (OutputStream sink =
                            new CheckedOutputStream(OutputStream.nullOutputStream(), crc)) {
                        NpyFormat.write(sink, e.getValue());
                    }
                    long size = NpyFormat.serializedSize(e.getValue());
                    entry.setMethod(ZipEntry.STORED);
                    entry.setSize(size);
                    entry.setCompressedSize(size);
                    entry.setCrc(crc.getValue());
                }
                zip.putNextEntry(entry);
                NpyFormat.write(zip, e.getValue()); // leaves the zip stream open
                zip.closeEntry();
            }
        }
    }

    /** Reads one entry as an array and verifies its CRC-32. */
    private static Tensor readEntry(ZipFile zip, ZipEntry entry, String source) throws IOException {
        String what = source + " entry '" + entry.getName() + "'";
        try (CheckedInputStream in =
                new CheckedInputStream(
                        new BufferedInputStream(zip.getInputStream(entry), 1 << 16), new CRC32())) {
            // Length -1: the entry's recorded size is not trusted to bound allocation.
            Tensor tensor = NpyFormat.read(in, what, -1);
            // numpy ignores bytes after the array; they are read only so that the CRC covers the
            // entry.
            in.transferTo(OutputStream.nullOutputStream());
            long expected = entry.getCrc();
            if (expected != -1 && in.getChecksum().getValue() != expected) {
                throw new WeightsFormatException(
                        what + ": CRC-32 mismatch, the archive is corrupt");
            }
            return tensor;
        } catch (ZipException | EOFException e) {
            // Corrupt deflate data or local headers; EOFException is how an inflater reports data
            // that
            // stops early.
            throw new WeightsFormatException(what + ": corrupt zip data: " + e.getMessage(), e);
        }
    }
}
