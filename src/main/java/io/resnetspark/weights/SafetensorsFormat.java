package io.resnetspark.weights;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;

import io.resnetspark.weights.TensorFiles.ElementType;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format:
 * an 8-byte little-endian header length N, N bytes of UTF-8 JSON describing each tensor's dtype,
 * shape and byte range, then the little-endian data those ranges point into.
 *
 * <p>Reading is defensive: every size in the header is checked against the file before anything is
 * allocated, so a malformed or hostile file produces a {@link WeightsFormatException} naming the
 * problem rather than an {@link OutOfMemoryError} or an out-of-bounds read. The byte ranges must
 * tile the data buffer exactly (no overlaps, no gaps, no trailing bytes), the same rule the
 * reference implementation enforces, so any file it accepts is accepted here.
 */
public final class SafetensorsFormat {

    /** The header key that holds free-form string metadata rather than a tensor. */
    public static final String METADATA_KEY = "__metadata__";

    /**
     * Largest header accepted, the same limit as the reference implementation. A header is a few
     * hundred bytes per tensor, so this is far above any real model and keeps a corrupt length from
     * making us allocate gigabytes.
     */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** More dimensions than any framework supports (numpy allows 64), so more means corruption. */
    private static final int MAX_RANK = 64;

    private static final int LENGTH_PREFIX_BYTES = 8;

    /**
     * Everything a safetensors file holds.
     *
     * @param tensors the tensors by name, in header order
     * @param metadata the {@code "__metadata__"} entries, empty if the file has none
     */
    public record Contents(LinkedHashMap<String, Tensor> tensors, Map<String, String> metadata) {}

    private SafetensorsFormat() {}

    /**
     * Reads every tensor of a safetensors file, converting values to float32.
     *
     * @param file the file to read
     * @return the tensors by name, in the order the header lists them
     * @throws WeightsFormatException if the file is malformed or uses an unsupported dtype; the
     *     message names the file, the problem and the tensor
     * @throws IOException if the file cannot be read
     */
    public static LinkedHashMap<String, Tensor> read(Path file) throws IOException {
        return readWithMetadata(file).tensors();
    }

    /**
     * Reads every tensor and the {@code "__metadata__"} map of a safetensors file.
     *
     * @param file the file to read
     * @return the tensors and metadata
     * @throws WeightsFormatException if the file is malformed or uses an unsupported dtype
     * @throws IOException if the file cannot be read
     */
    public static Contents readWithMetadata(Path file) throws IOException {
        String source = file.toString();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long fileSize = channel.size();
            long headerLength = readHeaderLength(channel, fileSize, source);
            String headerJson = readHeaderText(channel, headerLength, source);
            Header header = new HeaderParser(headerJson, source).parse();
            long dataStart = LENGTH_PREFIX_BYTES + headerLength;
            checkLayout(header.entries(), fileSize - dataStart, source);
            LinkedHashMap<String, Tensor> tensors =
                    readData(channel, dataStart, header.entries(), source);
            return new Contents(tensors, header.metadata());
        }
    }

    /**
     * Writes tensors as float32 without metadata. Tensors are stored sorted by name, as the
     * reference implementation stores tensors of one dtype, so that equal inputs give equal bytes.
     *
     * @param file the file to create or replace
     * @param tensors the tensors by name; no name may be {@value #METADATA_KEY}
     * @throws IOException if writing fails
     */
    public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
        write(file, tensors, null);
    }

    /**
     * Writes tensors as float32 with optional metadata, laid out as the reference implementation
     * does: {@code "__metadata__"} first, tensors sorted by name (UTF-8 byte order), data packed in
     * that order, header padded with spaces to a multiple of 8 bytes so the data is aligned.
     *
     * @param file the file to create or replace
     * @param tensors the tensors by name; no name may be {@value #METADATA_KEY}
     * @param metadata string metadata to store, or null or empty for none
     * @throws IllegalArgumentException if a name is {@value #METADATA_KEY} or null
     * @throws IOException if writing fails
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        Objects.requireNonNull(tensors, "tensors");
        List<Map.Entry<String, Tensor>> sorted = new ArrayList<>(tensors.entrySet());
        for (Map.Entry<String, Tensor> entry : sorted) {
            if (entry.getKey() == null || entry.getValue() == null) {
                throw new IllegalArgumentException("tensor names and tensors must not be null");
            }
            if (entry.getKey().equals(METADATA_KEY)) {
                throw new IllegalArgumentException(
                        "'" + METADATA_KEY + "' is reserved for metadata and cannot name a tensor");
            }
        }
        // The reference implementation is written in Rust, whose strings compare by UTF-8 bytes;
        // Java's String.compareTo compares UTF-16 units, which orders some non-ASCII names
        // differently.
        sorted.sort(Comparator.comparing(Map.Entry::getKey, SafetensorsFormat::compareUtf8));
        byte[] header = headerBytes(sorted, metadata);
        if (header.length > MAX_HEADER_BYTES) {
            throw new IllegalArgumentException(
                    "header of "
                            + header.length
                            + " bytes would exceed the "
                            + MAX_HEADER_BYTES
                            + " limit");
        }
        try (FileChannel channel =
                FileChannel.open(
                        file,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE)) {
            ByteBuffer prefix =
                    ByteBuffer.allocate(LENGTH_PREFIX_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            prefix.putLong(header.length).flip();
            writeFully(channel, prefix);
            writeFully(channel, ByteBuffer.wrap(header));
            ByteBuffer chunk =
                    ByteBuffer.allocate(ElementType.CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (Map.Entry<String, Tensor> entry : sorted) {
                float[] values = entry.getValue().values();
                int floatsPerChunk = ElementType.CHUNK_BYTES / Float.BYTES;
                for (int offset = 0; offset < values.length; offset += floatsPerChunk) {
                    int count = Math.min(floatsPerChunk, values.length - offset);
                    chunk.clear();
                    chunk.asFloatBuffer().put(values, offset, count);
                    chunk.limit(count * Float.BYTES);
                    writeFully(channel, chunk);
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Reading

    /** Reads and checks the 8-byte header length, before anything is allocated from it. */
    private static long readHeaderLength(FileChannel channel, long fileSize, String source)
            throws IOException {
        if (fileSize == 0) {
            throw fail(
                    source,
                    "file is empty; a safetensors file starts with an 8-byte header length");
        }
        if (fileSize < LENGTH_PREFIX_BYTES) {
            throw fail(
                    source,
                    "file is only %d bytes long; a safetensors file starts with an 8-byte header"
                        + " length",
                    fileSize);
        }
        ByteBuffer prefix = ByteBuffer.allocate(LENGTH_PREFIX_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, prefix, 0, source);
        long headerLength = prefix.flip().getLong();
        // The length is unsigned: a negative long is a value of at least 2^63.
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw fail(
                    source,
                    "header length %s exceeds the limit of %d bytes; the file is corrupt or not"
                        + " safetensors",
                    Long.toUnsignedString(headerLength),
                    MAX_HEADER_BYTES);
        }
        if (headerLength > fileSize - LENGTH_PREFIX_BYTES) {
            throw fail(
                    source,
                    "header length %d is larger than the %d bytes that follow it; the file is"
                        + " truncated or not safetensors",
                    headerLength,
                    fileSize - LENGTH_PREFIX_BYTES);
        }
        return headerLength;
    }

    /** Reads the header bytes and decodes them as strict UTF-8. */
    private static String readHeaderText(FileChannel channel, long headerLength, String source)
            throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate((int) headerLength); // <= MAX_HEADER_BYTES, checked
        readFully(channel, bytes, LENGTH_PREFIX_BYTES, source);
        bytes.flip();
        try {
            CharBuffer text =
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(bytes);
            return text.toString();
        } catch (CharacterCodingException e) {
            throw new WeightsFormatException(source + ": header is not valid UTF-8 JSON", e);
        }
    }

    /**
     * Checks every tensor's byte range against its shape and the data buffer, then checks that the
     * ranges tile the buffer. After this, reading cannot go out of bounds and every allocation is
     * backed by bytes that exist in the file.
     */
    private static void checkLayout(List<Entry> entries, long dataSize, String source)
            throws WeightsFormatException {
        for (Entry e : entries) {
            long count = Tensor.elementCountOrMinusOne(e.shape());
            if (count < 0) {
                throw fail(
                        source,
                        "tensor '%s': shape %s has more than %d elements, more than a Java array"
                            + " can hold",
                        e.name(),
                        Arrays.toString(e.shape()),
                        Tensor.MAX_ELEMENTS);
            }
            if (e.begin() > e.end()) {
                throw fail(
                        source,
                        "tensor '%s': data_offsets %s have begin > end",
                        e.name(),
                        e.offsets());
            }
            long expected = count * e.type().size; // <= MAX_ELEMENTS * 8, no overflow
            if (e.end() - e.begin() != expected) {
                throw fail(
                        source,
                        "tensor '%s': data_offsets %s span %d bytes, but shape %s of %s needs %d"
                            + " bytes",
                        e.name(),
                        e.offsets(),
                        e.end() - e.begin(),
                        Arrays.toString(e.shape()),
                        e.dtype(),
                        expected);
            }
            if (e.end() > dataSize) {
                throw fail(
                        source,
                        "tensor '%s': data_offsets %s extend past the end of the %d-byte data"
                            + " buffer; the file is truncated or the offsets are wrong",
                        e.name(),
                        e.offsets(),
                        dataSize);
            }
        }
        // Overlapping and gapped regions are rejected, as the reference implementation does: an
        // overlap would silently alias two tensors and a gap means the header and data disagree.
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expectedBegin = 0;
        String previous = null;
        for (Entry e : byOffset) {
            if (e.begin() < expectedBegin) {
                throw fail(
                        source,
                        "tensor '%s': data_offsets %s overlap tensor '%s', which ends at %d",
                        e.name(),
                        e.offsets(),
                        previous,
                        expectedBegin);
            }
            if (e.begin() > expectedBegin) {
                throw fail(
                        source,
                        "tensor '%s': data_offsets %s leave a gap of %d unused bytes after %s",
                        e.name(),
                        e.offsets(),
                        e.begin() - expectedBegin,
                        previous == null ? "the header" : "tensor '" + previous + "'");
            }
            expectedBegin = e.end();
            previous = e.name();
        }
        if (expectedBegin != dataSize) {
            throw fail(
                    source,
                    "data buffer has %d bytes after the last tensor's data_offsets end at %d;"
                            + " the header and data disagree",
                    dataSize - expectedBegin,
                    expectedBegin);
        }
    }

    /** Reads each tensor's checked byte range in chunks and converts it to float32. */
    private static LinkedHashMap<String, Tensor> readData(
            FileChannel channel, long dataStart, List<Entry> entries, String source)
            throws IOException {
        LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
        ByteBuffer chunk =
                ByteBuffer.allocate(ElementType.CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (Entry e : entries) {
            int count = (int) ((e.end() - e.begin()) / e.type().size); // checked in checkLayout
            float[] values = new float[count];
            int perChunk = ElementType.CHUNK_BYTES / e.type().size;
            long position = dataStart + e.begin();
            for (int done = 0; done < count; ) {
                int n = Math.min(perChunk, count - done);
                chunk.clear().limit(n * e.type().size);
                readFully(channel, chunk, position, source);
                chunk.flip();
                e.type().decode(chunk, values, done, n);
                position += (long) n * e.type().size;
                done += n;
            }
            tensors.put(e.name(), new Tensor(e.shape(), values, e.dtype()));
        }
        return tensors;
    }

    /**
     * Fills {@code buffer} from {@code position}; the file may have shrunk since it was checked.
     */
    private static void readFully(
            FileChannel channel, ByteBuffer buffer, long position, String source)
            throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position);
            if (n < 0) {
                throw fail(
                        source, "file ended at byte %d while reading; was it truncated?", position);
            }
            position += n;
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Header parsing

    /** One tensor's header entry; dtype, shape and offsets are present and well-typed. */
    private record Entry(
            String name, String dtype, ElementType type, long[] shape, long begin, long end) {
        String offsets() {
            return "[" + begin + ", " + end + "]";
        }
    }

    private record Header(List<Entry> entries, Map<String, String> metadata) {}

    /**
     * Parses the header with Gson's streaming reader rather than its tree model: the tree model
     * silently keeps the last of two duplicate keys, and the streaming reader lets each value's
     * JSON type be checked with a message that says which tensor and field are wrong.
     */
    private static final class HeaderParser {
        private final String text;
        private final JsonReader json;
        private final String source;

        HeaderParser(String text, String source) {
            this.text = text;
            this.json = new JsonReader(new StringReader(text));
            this.json.setLenient(false);
            this.source = source;
        }

        Header parse() throws WeightsFormatException {
            if (text.isBlank()) {
                throw fail(source, "header is empty; expected a JSON object");
            }
            try {
                JsonToken first = json.peek();
                if (first != JsonToken.BEGIN_OBJECT) {
                    throw fail(source, "header JSON must be an object, not %s", describe(first));
                }
                List<Entry> entries = new ArrayList<>();
                Map<String, String> metadata = Collections.emptyMap();
                Set<String> names = new HashSet<>();
                json.beginObject();
                while (json.hasNext()) {
                    String name = json.nextName();
                    if (!names.add(name)) {
                        throw fail(source, "header lists key '%s' twice (duplicate key)", name);
                    }
                    if (name.equals(METADATA_KEY)) {
                        metadata = parseMetadata();
                    } else {
                        entries.add(parseEntry(name));
                    }
                }
                json.endObject();
                if (json.peek() != JsonToken.END_DOCUMENT) {
                    throw fail(source, "header JSON has content after its closing '}'");
                }
                return new Header(entries, metadata);
            } catch (WeightsFormatException e) {
                throw e;
            } catch (IOException | IllegalStateException | NumberFormatException e) {
                // Gson reports syntax errors as MalformedJsonException or EOFException (both
                // IOExceptions; reading a String cannot fail otherwise) and type mismatches as
                // IllegalStateException; none of them may escape as anything but a format error.
                throw new WeightsFormatException(
                        source + ": header is not valid JSON: " + gsonProblem(e), e);
            }
        }

        private Map<String, String> parseMetadata() throws IOException {
            JsonToken token = json.peek();
            if (token == JsonToken.NULL) {
                json.nextNull();
                return Collections.emptyMap();
            }
            if (token != JsonToken.BEGIN_OBJECT) {
                throw fail(
                        source,
                        "%s must be an object of strings, not %s",
                        METADATA_KEY,
                        describe(token));
            }
            Map<String, String> metadata = new LinkedHashMap<>();
            json.beginObject();
            while (json.hasNext()) {
                String key = json.nextName();
                JsonToken valueToken = json.peek();
                if (valueToken != JsonToken.STRING) {
                    throw fail(
                            source,
                            "%s value for '%s' must be a string, not %s",
                            METADATA_KEY,
                            key,
                            describe(valueToken));
                }
                if (metadata.put(key, json.nextString()) != null) {
                    throw fail(
                            source, "%s lists key '%s' twice (duplicate key)", METADATA_KEY, key);
                }
            }
            json.endObject();
            return Collections.unmodifiableMap(metadata);
        }

        private Entry parseEntry(String name) throws IOException {
            JsonToken token = json.peek();
            if (token != JsonToken.BEGIN_OBJECT) {
                throw fail(
                        source,
                        "tensor '%s': entry must be an object, not %s",
                        name,
                        describe(token));
            }
            String dtype = null;
            long[] shape = null;
            long[] offsets = null;
            Set<String> fields = new HashSet<>();
            json.beginObject();
            while (json.hasNext()) {
                String field = json.nextName();
                if (!fields.add(field)) {
                    throw fail(
                            source,
                            "tensor '%s': field \"%s\" appears twice (duplicate key)",
                            name,
                            field);
                }
                switch (field) {
                    case "dtype" -> {
                        JsonToken t = json.peek();
                        if (t != JsonToken.STRING) {
                            throw fail(
                                    source,
                                    "tensor '%s': dtype must be a string, not %s",
                                    name,
                                    describe(t));
                        }
                        dtype = json.nextString();
                    }
                    case "shape" -> shape = readNonNegativeLongs(name, "shape", MAX_RANK);
                    case "data_offsets" -> offsets = readNonNegativeLongs(name, "data_offsets", 2);
                    default ->
                            json
                                    .skipValue(); // Unknown fields are ignored, like the reference
                                                  // reader.
                }
            }
            json.endObject();
            if (dtype == null) {
                throw fail(source, "tensor '%s': missing \"dtype\"", name);
            }
            if (shape == null) {
                throw fail(source, "tensor '%s': missing \"shape\"", name);
            }
            if (offsets == null) {
                throw fail(source, "tensor '%s': missing \"data_offsets\"", name);
            }
            if (offsets.length != 2) {
                throw fail(
                        source,
                        "tensor '%s': data_offsets must be two integers [begin, end], got %d",
                        name,
                        offsets.length);
            }
            ElementType type = elementType(dtype);
            if (type == null) {
                throw fail(
                        source,
                        "tensor '%s': unsupported dtype '%s' (supported: %s)",
                        name,
                        dtype,
                        Arrays.toString(ElementType.values()));
            }
            return new Entry(name, dtype, type, shape, offsets[0], offsets[1]);
        }

        /**
         * Reads an array of at most {@code maxLength} non-negative integers. Numbers are parsed
         * from their literal text so that {@code 2.0}, {@code 1e3} and quoted strings are refused,
         * which Gson's own {@code nextLong} would accept.
         */
        private long[] readNonNegativeLongs(String name, String field, int maxLength)
                throws IOException {
            JsonToken token = json.peek();
            if (token != JsonToken.BEGIN_ARRAY) {
                throw fail(
                        source,
                        "tensor '%s': %s must be an array of integers, not %s",
                        name,
                        field,
                        describe(token));
            }
            List<Long> values = new ArrayList<>();
            json.beginArray();
            while (json.hasNext()) {
                if (values.size() == maxLength) {
                    throw fail(
                            source,
                            "tensor '%s': %s has more than %d entries",
                            name,
                            field,
                            maxLength);
                }
                JsonToken t = json.peek();
                if (t != JsonToken.NUMBER) {
                    throw fail(
                            source,
                            "tensor '%s': %s must contain only integers, found %s",
                            name,
                            field,
                            describe(t));
                }
                String literal = json.nextString();
                long value;
                try {
                    value = Long.parseLong(literal);
                } catch (NumberFormatException e) {
                    throw fail(
                            source,
                            "tensor '%s': %s contains %s, which is not an integer in range",
                            name,
                            field,
                            literal);
                }
                if (value < 0) {
                    throw fail(
                            source,
                            "tensor '%s': %s contains negative value %d",
                            name,
                            field,
                            value);
                }
                values.add(value);
            }
            json.endArray();
            return values.stream().mapToLong(Long::longValue).toArray();
        }
    }

    /** The element type for a safetensors dtype name, or null if unsupported (e.g. F8_E4M3). */
    private static ElementType elementType(String dtype) {
        for (ElementType type : ElementType.values()) {
            if (type.name().equals(dtype)) {
                return type;
            }
        }
        return null;
    }

    /**
     * Gson's message for a syntax error, minus its advice to enable lenient parsing, which is
     * addressed to programmers and would mislead someone with a corrupt file.
     */
    private static String gsonProblem(Exception e) {
        String message = String.valueOf(e.getMessage());
        return message.replace(
                "Use JsonReader.setLenient(true) to accept malformed JSON", "malformed JSON");
    }

    private static String describe(JsonToken token) {
        return switch (token) {
            case BEGIN_ARRAY -> "an array";
            case BEGIN_OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case END_DOCUMENT -> "nothing (empty header)";
            default -> token.toString();
        };
    }

    // ---------------------------------------------------------------------------------------------
    // Writing

    private static byte[] headerBytes(
            List<Map.Entry<String, Tensor>> sorted, Map<String, String> metadata)
            throws IOException {
        StringWriter text = new StringWriter();
        try (JsonWriter json = new JsonWriter(text)) {
            json.setHtmlSafe(false);
            json.beginObject();
            if (metadata != null && !metadata.isEmpty()) {
                json.name(METADATA_KEY).beginObject();
                for (Map.Entry<String, String> m : new TreeMap<>(metadata).entrySet()) {
                    json.name(m.getKey())
                            .value(Objects.requireNonNull(m.getValue(), "metadata value"));
                }
                json.endObject();
            }
            long offset = 0;
            for (Map.Entry<String, Tensor> entry : sorted) {
                Tensor tensor = entry.getValue();
                long end = offset + (long) tensor.elementCount() * Float.BYTES;
                json.name(entry.getKey()).beginObject();
                json.name("dtype").value("F32");
                json.name("shape").beginArray();
                for (long dim : tensor.shape()) {
                    json.value(dim);
                }
                json.endArray();
                json.name("data_offsets").beginArray().value(offset).value(end).endArray();
                json.endObject();
                offset = end;
            }
            json.endObject();
        }
        byte[] json = text.toString().getBytes(StandardCharsets.UTF_8);
        // Pad with spaces (valid JSON whitespace) so that the data starts 8-byte aligned.
        int padded = (json.length + 7) / 8 * 8;
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        return header;
    }

    private static int compareUtf8(String a, String b) {
        return Arrays.compareUnsigned(
                a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    private static WeightsFormatException fail(String source, String format, Object... args) {
        return new WeightsFormatException(source + ": " + String.format(format, args));
    }
}
