package io.resnetspark.weights;

import io.resnetspark.weights.TensorFiles.ElementType;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads and writes numpy's <a
 * href="https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html">.npy format</a>:
 * the magic {@code \x93NUMPY}, a version, a header length, a header that is a Python dict literal
 * such as {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }}, then the raw data.
 *
 * <p>The header is parsed by a small strict parser of the few Python literals numpy writes
 * (strings, integers, booleans, tuples), never evaluated. Element types read: {@code f2 f4 f8 i1 i2
 * i4 i8 u1 u2 u4 u8 b1} in either byte order; Fortran-order arrays are transposed into C order.
 */
public final class NpyFormat {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    /**
     * Largest header accepted. numpy's own reader refuses headers over 10 000 bytes unless told
     * otherwise; this is looser so that arrays with many dimensions still load, yet small enough
     * that a corrupt length field cannot make us allocate much.
     */
    private static final int MAX_HEADER_BYTES = 1 << 20;

    /** numpy pads headers so that the data starts on a 64-byte boundary, for memory mapping. */
    private static final int ALIGNMENT = 64;

    /**
     * Spare header space numpy leaves so the first axis can grow in place; copied for identical
     * bytes.
     */
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;

    /**
     * When the stream length is unknown, the value array starts at most this large and grows as
     * data actually arrives, so a header claiming billions of elements costs nothing until the
     * bytes exist.
     */
    private static final int INITIAL_CAPACITY_UNKNOWN_LENGTH = 1 << 20;

    private NpyFormat() {}

    /**
     * Reads one array from an .npy file.
     *
     * @param file the file to read
     * @return the array as a float32 tensor whose source dtype is the header's descr, e.g. {@code
     *     "<f8"}
     * @throws WeightsFormatException if the file is malformed or its dtype unsupported; the message
     *     names the file
     * @throws IOException if the file cannot be read
     */
    public static Tensor read(Path file) throws IOException {
        long size = Files.size(file);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            // The file size is a fact, so a header promising more data than the file holds is
            // refused
            // before anything is allocated.
            return read(in, file.toString(), size);
        }
    }

    /**
     * Reads one array from a stream positioned at the start of the .npy data. Reads exactly the
     * array's bytes and leaves anything after them unread; does not close the stream. Because the
     * stream's length is unknown, memory grows with the data actually read rather than with what
     * the header claims.
     *
     * @param in the stream
     * @param what a description of the source for error messages, e.g. a file or zip entry name
     * @return the array as a float32 tensor
     * @throws WeightsFormatException if the data is malformed or its dtype unsupported
     * @throws IOException if the stream cannot be read
     */
    public static Tensor read(InputStream in, String what) throws IOException {
        return read(in, what, -1);
    }

    /**
     * Writes a tensor as a version 1.0 .npy file of {@code '<f4'} in C order, byte-for-byte as
     * {@code numpy.save} writes a float32 array.
     *
     * @param file the file to create or replace
     * @param tensor the tensor
     * @throws IOException if writing fails
     */
    public static void write(Path file, Tensor tensor) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            write(out, tensor);
        }
    }

    /**
     * Writes a tensor in .npy format to a stream, which is left open.
     *
     * @param out the stream
     * @param tensor the tensor
     * @throws IOException if writing fails
     */
    public static void write(OutputStream out, Tensor tensor) throws IOException {
        Objects.requireNonNull(tensor, "tensor");
        out.write(header(tensor.shape()));
        float[] values = tensor.values();
        ByteBuffer chunk =
                ByteBuffer.allocate(ElementType.CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        int floatsPerChunk = ElementType.CHUNK_BYTES / Float.BYTES;
        for (int offset = 0; offset < values.length; offset += floatsPerChunk) {
            int count = Math.min(floatsPerChunk, values.length - offset);
            chunk.clear();
            chunk.asFloatBuffer().put(values, offset, count);
            out.write(chunk.array(), 0, count * Float.BYTES);
        }
    }

    /** The number of bytes {@link #write(OutputStream, Tensor)} writes for a tensor. */
    static long serializedSize(Tensor tensor) {
        return header(tensor.shape()).length + (long) tensor.elementCount() * Float.BYTES;
    }

    // ---------------------------------------------------------------------------------------------
    // Reading

    /**
     * Reads one array.
     *
     * @param streamLength the number of bytes the stream is known to hold, or -1 if unknown
     */
    static Tensor read(InputStream in, String what, long streamLength) throws IOException {
        byte[] prefix = in.readNBytes(MAGIC.length + 2);
        if (prefix.length == 0) {
            throw fail(what, "file is empty; an .npy file starts with the magic \\x93NUMPY");
        }
        if (prefix.length < MAGIC.length + 2) {
            throw fail(
                    what,
                    "file is only %d bytes long, too short for the .npy magic and version",
                    prefix.length);
        }
        if (!Arrays.equals(prefix, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw fail(
                    what,
                    "not an .npy file: bad magic %s, expected 934e554d5059 (\\x93NUMPY) and a"
                        + " version",
                    HexFormat.of().formatHex(prefix));
        }
        int major = prefix[6] & 0xFF;
        int minor = prefix[7] & 0xFF;
        if (minor != 0 || major < 1 || major > 3) {
            throw fail(
                    what,
                    "unsupported .npy format version %d.%d (supported: 1.0, 2.0, 3.0)",
                    major,
                    minor);
        }
        // Version 1 stores the header length in 2 bytes; versions 2 and 3 in 4, for huge headers.
        int lengthBytes = major == 1 ? 2 : 4;
        byte[] lengthField = in.readNBytes(lengthBytes);
        if (lengthField.length < lengthBytes) {
            throw fail(what, "file ends inside the header length field");
        }
        long headerLength =
                lengthBytes == 2
                        ? ByteBuffer.wrap(lengthField).order(ByteOrder.LITTLE_ENDIAN).getShort()
                                & 0xFFFFL
                        : ByteBuffer.wrap(lengthField).order(ByteOrder.LITTLE_ENDIAN).getInt()
                                & 0xFFFF_FFFFL;
        if (headerLength > MAX_HEADER_BYTES) {
            throw fail(
                    what,
                    "header length %d exceeds the limit of %d bytes",
                    headerLength,
                    MAX_HEADER_BYTES);
        }
        byte[] headerBytes = in.readNBytes((int) headerLength);
        if (headerBytes.length < headerLength) {
            throw fail(
                    what,
                    "header truncated: header length says %d bytes, only %d present",
                    headerLength,
                    headerBytes.length);
        }
        // Versions 1 and 2 are Latin-1; version 3 exists to allow UTF-8 (field names in structured
        // dtypes), so decode it strictly.
        String headerText = major == 3 ? strictUtf8(headerBytes, what) : latin1(headerBytes);
        Header header = Header.parse(headerText, what);

        long count = Tensor.elementCountOrMinusOne(header.shape());
        if (count < 0) {
            throw fail(
                    what,
                    "shape %s has more than %d elements, more than a Java array can hold",
                    Arrays.toString(header.shape()),
                    Tensor.MAX_ELEMENTS);
        }
        long dataBytes = count * header.type().size; // <= MAX_ELEMENTS * 8: no overflow
        if (streamLength >= 0) {
            long available = streamLength - prefix.length - lengthBytes - headerLength;
            if (dataBytes > available) {
                throw truncated(what, header, dataBytes, Math.max(available, 0));
            }
        }
        float[] values = readValues(in, what, header, (int) count, dataBytes, streamLength >= 0);
        if (header.fortranOrder() && header.shape().length > 1) {
            values = fortranToC(values, header.shape());
        }
        return new Tensor(header.shape(), values, header.descr());
    }

    /**
     * Reads {@code count} elements in file order. If {@code lengthKnown}, the caller has checked
     * the bytes exist and the array is allocated once; otherwise it grows with the bytes read.
     */
    private static float[] readValues(
            InputStream in,
            String what,
            Header header,
            int count,
            long dataBytes,
            boolean lengthKnown)
            throws IOException {
        ElementType type = header.type();
        float[] values =
                new float[lengthKnown ? count : Math.min(count, INITIAL_CAPACITY_UNKNOWN_LENGTH)];
        byte[] chunk = new byte[(int) Math.min(ElementType.CHUNK_BYTES, dataBytes)];
        int perChunk = ElementType.CHUNK_BYTES / type.size;
        long bytesRead = 0;
        for (int done = 0; done < count; ) {
            int n = Math.min(perChunk, count - done);
            int got = in.readNBytes(chunk, 0, n * type.size);
            bytesRead += got;
            if (got < n * type.size) {
                throw truncated(what, header, dataBytes, bytesRead);
            }
            if (done + n > values.length) {
                // Doubling keeps the total copying linear; capping at count avoids over-allocating.
                values =
                        Arrays.copyOf(
                                values,
                                (int) Math.min(count, Math.max(done + n, 2L * values.length)));
            }
            ByteBuffer buffer = ByteBuffer.wrap(chunk, 0, got).order(header.order());
            type.decode(buffer, values, done, n);
            done += n;
        }
        return values;
    }

    /**
     * Reorders a column-major (Fortran) array into row-major (C) order. Walks the source
     * sequentially with an odometer over the indices, first axis fastest, tracking the matching C
     * offset incrementally so no index arithmetic is repeated per element.
     */
    static float[] fortranToC(float[] fortran, long[] shape) {
        int rank = shape.length;
        int[] dims = new int[rank];
        int[] cStrides = new int[rank];
        int stride = 1;
        for (int axis = rank - 1; axis >= 0; axis--) {
            dims[axis] = (int) shape[axis]; // product <= MAX_ELEMENTS, so every factor fits an int
            cStrides[axis] = stride;
            stride *= dims[axis];
        }
        float[] c = new float[fortran.length];
        int[] index = new int[rank];
        int cOffset = 0;
        for (int f = 0; f < fortran.length; f++) {
            c[cOffset] = fortran[f];
            for (int axis = 0; axis < rank; axis++) {
                index[axis]++;
                cOffset += cStrides[axis];
                if (index[axis] < dims[axis]) {
                    break;
                }
                cOffset -= cStrides[axis] * dims[axis];
                index[axis] = 0;
            }
        }
        return c;
    }

    private static WeightsFormatException truncated(
            String what, Header header, long needed, long available) {
        return fail(
                what,
                "data truncated: shape %s of '%s' needs %d bytes after the header, only %d present",
                Arrays.toString(header.shape()),
                header.descr(),
                needed,
                available);
    }

    private static String latin1(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static String strictUtf8(byte[] bytes, String what) throws WeightsFormatException {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new WeightsFormatException(what + ": version 3.0 header is not valid UTF-8", e);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Header

    /** The three header fields, checked. */
    private record Header(
            String descr, ElementType type, ByteOrder order, boolean fortranOrder, long[] shape) {

        /** Parses and checks a header, which must hold exactly the keys numpy writes. */
        static Header parse(String text, String what) throws WeightsFormatException {
            Object parsed = new PyLiteralParser(text, what).parseHeader();
            if (!(parsed instanceof Map<?, ?> dict)) {
                throw fail(what, "header is not a Python dict literal: %s", abbreviate(text));
            }
            for (String key : List.of("descr", "fortran_order", "shape")) {
                if (!dict.containsKey(key)) {
                    throw fail(what, "header is missing key '%s': %s", key, abbreviate(text));
                }
            }
            if (dict.size() != 3) {
                throw fail(
                        what,
                        "header has keys %s; numpy writes exactly descr, fortran_order and shape",
                        dict.keySet());
            }
            Object descr = dict.get("descr");
            if (descr instanceof List<?> || descr instanceof PyTuple) {
                throw fail(what, "structured dtype (descr %s) is not supported", descr);
            }
            if (!(descr instanceof String descrText)) {
                throw fail(what, "header 'descr' must be a string, not %s", descr);
            }
            if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
                throw fail(
                        what,
                        "header 'fortran_order' must be True or False, not %s",
                        dict.get("fortran_order"));
            }
            if (!(dict.get("shape") instanceof PyTuple shapeTuple)) {
                throw fail(
                        what,
                        "header 'shape' must be a tuple of integers, not %s",
                        dict.get("shape"));
            }
            long[] shape = new long[shapeTuple.items().size()];
            for (int i = 0; i < shape.length; i++) {
                if (!(shapeTuple.items().get(i) instanceof Long dim) || dim < 0) {
                    throw fail(
                            what,
                            "header 'shape' must hold non-negative integers, found %s",
                            shapeTuple.items().get(i));
                }
                shape[i] = dim;
            }
            ElementType type = elementType(descrText, what);
            return new Header(descrText, type, byteOrder(descrText, type, what), fortran, shape);
        }

        /**
         * Maps a descr such as {@code '<f4'} to an element type, ignoring its byte-order character.
         */
        private static ElementType elementType(String descr, String what)
                throws WeightsFormatException {
            String code = hasByteOrderChar(descr) ? descr.substring(1) : descr;
            if (code.startsWith("O")) {
                throw fail(
                        what,
                        "object arrays (dtype '%s') are not supported: they hold pickled Python"
                            + " objects, which are never unpickled here",
                        descr);
            }
            ElementType type =
                    switch (code) {
                        case "f2" -> ElementType.F16;
                        case "f4" -> ElementType.F32;
                        case "f8" -> ElementType.F64;
                        case "i1" -> ElementType.I8;
                        case "i2" -> ElementType.I16;
                        case "i4" -> ElementType.I32;
                        case "i8" -> ElementType.I64;
                        case "u1" -> ElementType.U8;
                        case "u2" -> ElementType.U16;
                        case "u4" -> ElementType.U32;
                        case "u8" -> ElementType.U64;
                        case "b1", "?" -> ElementType.BOOL;
                        default -> null;
                    };
            if (type == null) {
                throw fail(
                        what,
                        "unsupported dtype '%s' (supported: f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1,"
                                + " with byte order <, >, = or |)",
                        descr);
            }
            return type;
        }

        /**
         * The byte order a descr declares. {@code '='} (native) is the reader's native order, as
         * numpy interprets it; {@code '|'} (not applicable) is only meaningful for one-byte types.
         */
        private static ByteOrder byteOrder(String descr, ElementType type, String what)
                throws WeightsFormatException {
            char marker = hasByteOrderChar(descr) ? descr.charAt(0) : '=';
            if (marker == '|' && type.size > 1) {
                throw fail(
                        what, "dtype '%s': byte order '|' is only valid for one-byte types", descr);
            }
            return switch (marker) {
                case '<' -> ByteOrder.LITTLE_ENDIAN;
                case '>' -> ByteOrder.BIG_ENDIAN;
                default -> ByteOrder.nativeOrder(); // '=' or '|' (one byte: order is irrelevant)
            };
        }

        private static boolean hasByteOrderChar(String descr) {
            return !descr.isEmpty() && "<>=|".indexOf(descr.charAt(0)) >= 0;
        }
    }

    /** A Python tuple, kept distinct from a list because numpy requires shape to be a tuple. */
    private record PyTuple(List<Object> items) {
        @Override
        public String toString() {
            return items.toString().replace('[', '(').replace(']', ')');
        }
    }

    /**
     * A strict parser for the Python literals numpy writes in .npy headers: a dict of string keys,
     * whose values are strings, integers (with Python 2's optional {@code L} suffix), {@code True},
     * {@code False}, {@code None}, tuples and lists. Anything else is an error; nothing is ever
     * evaluated. Nesting is bounded so that a hostile header cannot overflow the stack.
     */
    private static final class PyLiteralParser {
        private static final int MAX_DEPTH = 32;

        private final String text;
        private final String what;
        private int pos;

        PyLiteralParser(String text, String what) {
            this.text = text;
            this.what = what;
        }

        /**
         * Parses the whole header: one dict, then only whitespace (numpy pads with spaces and
         * '\n').
         */
        Object parseHeader() throws WeightsFormatException {
            skipWhitespace();
            if (!peekIs('{')) {
                throw error("expected '{'");
            }
            Object value = parseValue(0);
            skipWhitespace();
            if (pos != text.length()) {
                throw error("unexpected text after the dict");
            }
            return value;
        }

        private Object parseValue(int depth) throws WeightsFormatException {
            if (depth > MAX_DEPTH) {
                throw error("nesting deeper than " + MAX_DEPTH);
            }
            skipWhitespace();
            if (pos >= text.length()) {
                throw error("unexpected end of header");
            }
            char c = text.charAt(pos);
            if (c == '{') {
                return parseDict(depth);
            }
            if (c == '(') {
                return new PyTuple(parseSequence(')', depth, true));
            }
            if (c == '[') {
                return parseSequence(']', depth, false);
            }
            if (c == '\'' || c == '"') {
                return parseString();
            }
            if (c == '-' || c == '+' || Character.isDigit(c)) {
                return parseInteger();
            }
            if (Character.isLetter(c)) {
                return parseKeyword();
            }
            throw error("unexpected character '" + c + "'");
        }

        private Map<Object, Object> parseDict(int depth) throws WeightsFormatException {
            pos++; // '{'
            Map<Object, Object> dict = new LinkedHashMap<>();
            while (true) {
                skipWhitespace();
                if (peekIs('}')) {
                    pos++;
                    return dict;
                }
                int keyPos = pos;
                Object key = parseValue(depth + 1);
                if (!(key instanceof String)) {
                    pos = keyPos;
                    throw error("dict keys must be strings");
                }
                skipWhitespace();
                expect(':');
                Object value = parseValue(depth + 1);
                if (dict.containsKey(key)) {
                    pos = keyPos;
                    throw error("duplicate key '" + key + "'");
                }
                dict.put(key, value);
                skipWhitespace();
                if (peekIs(',')) {
                    pos++;
                } else if (!peekIs('}')) {
                    throw error("expected ',' or '}'");
                }
            }
        }

        /** Parses a tuple or list. A one-element tuple needs its trailing comma, as in Python. */
        private List<Object> parseSequence(char close, int depth, boolean tuple)
                throws WeightsFormatException {
            pos++; // '(' or '['
            List<Object> items = new ArrayList<>();
            boolean trailingComma = false;
            while (true) {
                skipWhitespace();
                if (peekIs(close)) {
                    pos++;
                    if (tuple && items.size() == 1 && !trailingComma) {
                        // "(3)" is just the integer 3 in Python, not a tuple; numpy writes "(3,)".
                        throw error(
                                "'("
                                        + items.get(0)
                                        + ")' is not a tuple; a one-element tuple is written '("
                                        + items.get(0)
                                        + ",)'");
                    }
                    return items;
                }
                items.add(parseValue(depth + 1));
                skipWhitespace();
                if (peekIs(',')) {
                    pos++;
                    trailingComma = true;
                } else if (peekIs(close)) {
                    trailingComma = false;
                } else {
                    throw error("expected ',' or '" + close + "'");
                }
            }
        }

        private String parseString() throws WeightsFormatException {
            char quote = text.charAt(pos++);
            StringBuilder out = new StringBuilder();
            while (pos < text.length()) {
                char c = text.charAt(pos++);
                if (c == quote) {
                    return out.toString();
                }
                if (c == '\\') {
                    if (pos >= text.length()) {
                        break;
                    }
                    char escaped = text.charAt(pos++);
                    if (escaped != '\\' && escaped != '\'' && escaped != '"') {
                        throw error("unsupported escape '\\" + escaped + "' in string");
                    }
                    out.append(escaped);
                } else if (c == '\n') {
                    throw error("newline inside a string");
                } else {
                    out.append(c);
                }
            }
            throw error("unterminated string");
        }

        private Long parseInteger() throws WeightsFormatException {
            int start = pos;
            if (text.charAt(pos) == '-' || text.charAt(pos) == '+') {
                pos++;
            }
            int digitsStart = pos;
            while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
                pos++;
            }
            if (pos == digitsStart) {
                throw error("expected digits");
            }
            String literal = text.substring(start, pos);
            if (pos < text.length() && (text.charAt(pos) == 'L' || text.charAt(pos) == 'l')) {
                pos++; // Python 2 long suffix, which old numpy versions wrote.
            }
            if (pos < text.length()
                    && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '.')) {
                throw error("not an integer");
            }
            try {
                return Long.parseLong(literal);
            } catch (NumberFormatException e) {
                pos = start;
                throw error("integer " + literal + " out of range");
            }
        }

        private Object parseKeyword() throws WeightsFormatException {
            int start = pos;
            while (pos < text.length() && Character.isLetterOrDigit(text.charAt(pos))) {
                pos++;
            }
            String word = text.substring(start, pos);
            return switch (word) {
                case "True" -> Boolean.TRUE;
                case "False" -> Boolean.FALSE;
                case "None" -> NONE;
                default -> {
                    pos = start;
                    throw error("unexpected name '" + word + "'");
                }
            };
        }

        private void skipWhitespace() {
            while (pos < text.length() && " \t\r\n".indexOf(text.charAt(pos)) >= 0) {
                pos++;
            }
        }

        private boolean peekIs(char c) {
            return pos < text.length() && text.charAt(pos) == c;
        }

        private void expect(char c) throws WeightsFormatException {
            if (!peekIs(c)) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        private WeightsFormatException error(String problem) {
            return fail(
                    what,
                    "bad header: %s at position %d of Python dict literal %s",
                    problem,
                    pos,
                    abbreviate(text));
        }
    }

    /** Python's None; a marker object because maps here may not hold null meaningfully. */
    private static final Object NONE =
            new Object() {
                @Override
                public String toString() {
                    return "None";
                }
            };

    // ---------------------------------------------------------------------------------------------
    // Writing

    /** The complete header numpy 1.24 writes for a C-order float32 array of this shape. */
    private static byte[] header(long[] shape) {
        StringBuilder dict =
                new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': ");
        dict.append(pythonTuple(shape)).append(", }");
        if (shape.length > 0) {
            dict.append(
                    " "
                            .repeat(
                                    Math.max(
                                            0,
                                            GROWTH_AXIS_MAX_DIGITS
                                                    - Long.toString(shape[0]).length())));
        }
        // Version 1.0 has a 2-byte length; numpy falls back to 2.0 only when the header needs more.
        int newline = 1;
        int version = 1;
        int prefixLength = MAGIC.length + 2 + 2;
        int unpadded = dict.length() + newline;
        int padding = ALIGNMENT - (prefixLength + unpadded) % ALIGNMENT;
        if (unpadded + padding > 0xFFFF) {
            version = 2;
            prefixLength = MAGIC.length + 2 + 4;
            padding = ALIGNMENT - (prefixLength + unpadded) % ALIGNMENT;
        }
        int headerLength = unpadded + padding;
        dict.append(" ".repeat(padding)).append('\n');
        ByteBuffer out =
                ByteBuffer.allocate(prefixLength + headerLength).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) version).put((byte) 0);
        if (version == 1) {
            out.putShort((short) headerLength);
        } else {
            out.putInt(headerLength);
        }
        out.put(dict.toString().getBytes(StandardCharsets.ISO_8859_1)); // ASCII only
        return out.array();
    }

    /** Python's repr of a tuple of ints: {@code ()}, {@code (3,)}, {@code (2, 3)}. */
    private static String pythonTuple(long[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        StringBuilder out = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            out.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return out.append(')').toString();
    }

    private static String abbreviate(String text) {
        String trimmed = text.strip();
        return trimmed.length() <= 200 ? trimmed : trimmed.substring(0, 200) + "...";
    }

    private static WeightsFormatException fail(String what, String format, Object... args) {
        return new WeightsFormatException(what + ": " + String.format(format, args));
    }
}
