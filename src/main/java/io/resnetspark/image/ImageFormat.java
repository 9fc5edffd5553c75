package io.resnetspark.image;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The encoded formats {@link ImageDecoder} reads, recognised from their leading bytes ("magic
 * numbers") rather than from file names, which Spark rows and web crawls often get wrong.
 *
 * <p>Recognising formats here, instead of asking every ImageIO plugin in turn, is faster and lets
 * the decoder tell "not an image at all" from "an image format we do not read".
 */
public enum ImageFormat {
    JPEG("jpg", "jpeg", "jpe", "jfif", "mpo"), // MPO: the first image of a multi-picture file is a JPEG
    PNG("png", "apng"),
    GIF("gif"),
    BMP("bmp", "dib"),
    WEBP("webp"),
    TIFF("tif", "tiff");

    private final List<String> fileExtensions;

    ImageFormat(String... fileExtensions) {
        this.fileExtensions = List.of(fileExtensions);
    }

    /** The file name extensions (lower case, without the dot) files of this format go by. */
    public List<String> fileExtensions() {
        return fileExtensions;
    }

    private static final byte[] JPEG_SIGNATURE = {(byte) 0xff, (byte) 0xd8, (byte) 0xff};
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    /** BMP info-header sizes that exist (core, v1-v5 and the OS/2 variants). */
    private static final int[] BMP_HEADER_SIZES = {12, 16, 40, 52, 56, 64, 108, 124};

    /** ISO base media brands of still-image formats (HEIF, HEIC, AVIF). */
    private static final String[] HEIF_BRANDS = {"heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1", "avif", "avis"};

    /**
     * The format of an encoded image.
     *
     * @throws InvalidImageException {@code empty} for zero bytes, {@code unsupported_format} for a
     *     recognised image format this decoder does not read, {@code not_an_image} otherwise
     */
    public static ImageFormat detect(byte[] data) throws InvalidImageException {
        if (data.length == 0) {
            throw new InvalidImageException(InvalidImageException.EMPTY, "zero bytes");
        }
        if (startsWithOrIsCutFrom(data, JPEG_SIGNATURE)) {
            return JPEG;
        }
        if (startsWithOrIsCutFrom(data, PNG_SIGNATURE)) {
            return PNG;
        }
        if (startsWithAscii(data, 0, "GIF87a") || startsWithAscii(data, 0, "GIF89a")) {
            return GIF;
        }
        if (startsWithAscii(data, 0, "RIFF") && startsWithAscii(data, 8, "WEBP")) {
            return WEBP;
        }
        // Classic TIFF and BigTIFF (64-bit offsets), which TwelveMonkeys' reader and PIL both read.
        if (startsWith(data, 0, (byte) 'I', (byte) 'I', (byte) 42, (byte) 0)
                || startsWith(data, 0, (byte) 'M', (byte) 'M', (byte) 0, (byte) 42)
                || isBigTiff(data)) {
            return TIFF;
        }
        // "BM" alone also starts ordinary text; a real BMP has a known info-header size at 14 (so a
        // BMP cut before byte 18 is not recognised).
        if (startsWithAscii(data, 0, "BM") && data.length >= 18 && isBmpHeaderSize(littleEndianInt(data, 14))) {
            return BMP;
        }
        String other = unsupportedFormatName(data);
        if (other != null) {
            throw new InvalidImageException(InvalidImageException.UNSUPPORTED_FORMAT, other + " images are not supported");
        }
        throw new InvalidImageException(InvalidImageException.NOT_AN_IMAGE, "no known image format: " + describeStart(data));
    }

    /** Names image formats that are recognised but not decoded, or returns null. */
    private static String unsupportedFormatName(byte[] data) {
        if (startsWithAscii(data, 4, "ftyp") && data.length >= 12) {
            String brand = new String(data, 8, 4, StandardCharsets.ISO_8859_1);
            for (String heif : HEIF_BRANDS) {
                if (heif.equals(brand)) {
                    return brand.startsWith("avi") ? "AVIF" : "HEIF/HEIC";
                }
            }
        }
        if (startsWith(data, 0, (byte) 0, (byte) 0, (byte) 0, (byte) 0x0c, (byte) 'j', (byte) 'P')
                || startsWith(data, 0, (byte) 0xff, (byte) 0x4f, (byte) 0xff, (byte) 0x51)) {
            return "JPEG 2000";
        }
        if (startsWith(data, 0, (byte) 0xff, (byte) 0x0a)
                || startsWith(data, 0, (byte) 0, (byte) 0, (byte) 0, (byte) 0x0c, (byte) 'J', (byte) 'X', (byte) 'L')) {
            return "JPEG XL";
        }
        if (startsWithAscii(data, 0, "8BPS")) {
            return "Photoshop (PSD)";
        }
        if (startsWith(data, 0, (byte) 0, (byte) 0, (byte) 1, (byte) 0) || startsWith(data, 0, (byte) 0, (byte) 0, (byte) 2, (byte) 0)) {
            return "ICO/CUR";
        }
        if (startsWithAscii(data, 0, "qoif")) {
            return "QOI";
        }
        if (data.length >= 3 && data[0] == 'P' && data[1] >= '1' && data[1] <= '7' && Character.isWhitespace(data[2])) {
            return "Netpbm (PBM/PGM/PPM)";
        }
        return null;
    }

    static boolean isBigTiff(byte[] data) {
        return startsWith(data, 0, (byte) 'I', (byte) 'I', (byte) 43, (byte) 0)
                || startsWith(data, 0, (byte) 'M', (byte) 'M', (byte) 0, (byte) 43);
    }

    private static boolean isBmpHeaderSize(int size) {
        for (int known : BMP_HEADER_SIZES) {
            if (size == known) {
                return true;
            }
        }
        return false;
    }

    /** The first bytes, as text when they look like text (e.g. an HTML error page), else in hex. */
    private static String describeStart(byte[] data) {
        int n = Math.min(data.length, 16);
        boolean text = true;
        for (int i = 0; i < n; i++) {
            int b = data[i] & 0xff;
            if (b < 0x09 || (b > 0x0d && b < 0x20) || b > 0x7e) {
                text = false;
                break;
            }
        }
        if (text) {
            String start = new String(data, 0, n, StandardCharsets.US_ASCII).replaceAll("\\s+", " ");
            return "starts with text \"" + start + "\"";
        }
        StringBuilder hex = new StringBuilder("starts with bytes");
        for (int i = 0; i < n; i++) {
            hex.append(String.format(" %02x", data[i] & 0xff));
        }
        return hex.toString();
    }

    /**
     * True when data starts with the signature, or is shorter than it but at least two bytes long
     * and a prefix of it: such a file was cut inside its signature, and is reported truncated.
     */
    private static boolean startsWithOrIsCutFrom(byte[] data, byte[] signature) {
        if (data.length >= signature.length || data.length < 2) {
            return startsWith(data, 0, signature);
        }
        for (int i = 0; i < data.length; i++) {
            if (data[i] != signature[i]) {
                return false;
            }
        }
        return true;
    }

    static boolean startsWith(byte[] data, int offset, byte... prefix) {
        if (data.length < offset + prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (data[offset + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    static boolean startsWithAscii(byte[] data, int offset, String prefix) {
        return startsWith(data, offset, prefix.getBytes(StandardCharsets.US_ASCII));
    }

    static int littleEndianInt(byte[] data, int offset) {
        return (data[offset] & 0xff)
                | (data[offset + 1] & 0xff) << 8
                | (data[offset + 2] & 0xff) << 16
                | (data[offset + 3] & 0xff) << 24;
    }

    static int bigEndianInt(byte[] data, int offset) {
        return (data[offset] & 0xff) << 24
                | (data[offset + 1] & 0xff) << 16
                | (data[offset + 2] & 0xff) << 8
                | (data[offset + 3] & 0xff);
    }
}
