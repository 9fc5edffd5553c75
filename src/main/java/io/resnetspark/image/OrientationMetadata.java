package io.resnetspark.image;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Where PIL 9.4's {@code ImageOps.exif_transpose} finds the orientation of a PNG, WebP or TIFF
 * (JPEG's is read with its markers, {@link JpegHeader}), read from the container without decoding
 * pixels:
 *
 * <ul>
 *   <li>PNG: the {@code eXIf} chunk (one before the image data wins over one after it); else the
 *       legacy ImageMagick text chunk {@code Raw profile type exif} (hex); and when neither has an
 *       orientation entry, the XMP packet of the {@code XML:com.adobe.xmp} text chunk
 *       ({@code tiff:Orientation}).
 *   <li>WebP: the first {@code EXIF} chunk. (PIL keeps WebP's XMP but does not read orientation
 *       from it.)
 *   <li>TIFF: the Orientation tag of the first directory.
 * </ul>
 *
 * GIF and BMP carry no orientation PIL reads. Anything malformed reads as upright.
 */
final class OrientationMetadata {

    /** PIL's regular expression over the XMP text. */
    private static final Pattern XMP_ORIENTATION = Pattern.compile("tiff:Orientation(=\"|>)([0-9])");

    private static final String RAW_EXIF_KEY = "Raw profile type exif";
    private static final String XMP_KEY = "XML:com.adobe.xmp";

    /** PIL's limit on a decompressed text chunk (PngImagePlugin.MAX_TEXT_CHUNK). */
    private static final int MAX_TEXT = 1 << 20;

    private static final byte[] EXIF_PREFIX = {'E', 'x', 'i', 'f', 0, 0};

    private OrientationMetadata() {}

    /** The orientation, 1-8, of an image of the given format (1 where there is none). */
    static int read(ImageFormat format, byte[] data) {
        try {
            return ExifOrientation.orDefault(switch (format) {
                case PNG -> png(data);
                case WEBP -> webp(data);
                case TIFF -> ExifOrientation.fromTiff(data, 0, data.length);
                default -> ExifOrientation.ABSENT;
            });
        } catch (RuntimeException e) {
            return ExifOrientation.NORMAL; // a structure too broken to walk says nothing
        }
    }

    /** What the chunks of a PNG say about orientation; the last chunk of each kind counts, as in PIL. */
    private static final class PngMetadata {
        boolean imageSeen;
        byte[] exifBeforeImage;
        byte[] exifAfterImage;
        String rawExif;
        String xmp;
    }

    private static int png(byte[] data) {
        PngMetadata found = new PngMetadata();
        PngChunks.walk(data, (type, body, length) -> {
            switch (type) {
                case "IDAT" -> found.imageSeen = true;
                case "eXIf" -> {
                    byte[] exif = java.util.Arrays.copyOfRange(data, body, body + length);
                    if (found.imageSeen) {
                        found.exifAfterImage = exif;
                    } else {
                        found.exifBeforeImage = exif;
                    }
                }
                case "tEXt", "zTXt", "iTXt" -> {
                    TextChunk text = TextChunk.parse(type, data, body, length);
                    if (text != null && text.key.equals(RAW_EXIF_KEY)) {
                        found.rawExif = text.value;
                    } else if (text != null && text.key.equals(XMP_KEY)) {
                        found.xmp = text.value;
                    }
                }
                default -> { }
            }
            return !(type.equals("fcTL") && found.imageSeen); // PIL stops reading at the next APNG frame
        });
        byte[] exif = found.exifBeforeImage != null ? found.exifBeforeImage : found.exifAfterImage;
        if (exif == null && found.rawExif != null) {
            exif = fromHexProfile(found.rawExif);
        }
        int orientation = exif == null ? ExifOrientation.ABSENT : fromExifPayload(exif, 0, exif.length);
        if (orientation == ExifOrientation.ABSENT && found.xmp != null) {
            Matcher m = XMP_ORIENTATION.matcher(found.xmp);
            if (m.find()) {
                int value = m.group(2).charAt(0) - '0';
                return value >= 1 && value <= 8 ? value : ExifOrientation.NORMAL;
            }
        }
        return orientation;
    }

    /** An EXIF payload with or without its "Exif\0\0" prefix, as PIL's Exif.load takes it. */
    private static int fromExifPayload(byte[] data, int start, int end) {
        boolean prefixed = end - start >= EXIF_PREFIX.length && ImageFormat.startsWith(data, start, EXIF_PREFIX);
        return ExifOrientation.fromTiff(data, prefixed ? start + EXIF_PREFIX.length : start, end);
    }

    /**
     * ImageMagick's text profile: a blank line, the profile name, the byte count, then the bytes in
     * hex over many lines; PIL joins everything after the third line break and reads it as hex.
     */
    private static byte[] fromHexProfile(String text) {
        int start = 0;
        for (int i = 0; i < 3; i++) {
            start = text.indexOf('\n', start) + 1;
            if (start == 0) {
                return null;
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int high = -1;
        for (int i = start; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == ' ' || c == '\t' || c == '\r') {
                continue;
            }
            int digit = Character.digit(c, 16);
            if (digit < 0) {
                return null; // PIL's bytes.fromhex raises: no orientation comes out of it
            }
            if (high < 0) {
                high = digit;
            } else {
                out.write(high << 4 | digit);
                high = -1;
            }
        }
        return out.toByteArray();
    }

    private static int webp(byte[] data) {
        int pos = 12;
        while (pos + 8 <= data.length) {
            long size = ImageFormat.littleEndianInt(data, pos + 4) & 0xffffffffL;
            int body = pos + 8;
            if (body + size > data.length) {
                break;
            }
            if (ImageFormat.startsWithAscii(data, pos, "EXIF")) {
                return fromExifPayload(data, body, body + (int) size);
            }
            pos = body + (int) (size + (size & 1));
        }
        return ExifOrientation.ABSENT;
    }

    /** A PNG text chunk's keyword and text (Latin-1 for tEXt and zTXt, UTF-8 for iTXt). */
    private record TextChunk(String key, String value) {

        static TextChunk parse(String type, byte[] data, int body, int length) {
            int end = body + length;
            int nul = indexOf(data, body, end);
            if (nul < 0) {
                return null;
            }
            String key = new String(data, body, nul - body, StandardCharsets.ISO_8859_1);
            if (!key.equals(RAW_EXIF_KEY) && !key.equals(XMP_KEY)) {
                return new TextChunk(key, "");
            }
            return switch (type) {
                case "tEXt" -> new TextChunk(key, new String(data, nul + 1, end - nul - 1, StandardCharsets.ISO_8859_1));
                case "zTXt" -> text(key, inflate(data, nul + 2, end), StandardCharsets.ISO_8859_1);
                default -> {
                    // iTXt: compression flag, method, language\0, translated keyword\0, text
                    if (nul + 3 > end) {
                        yield null;
                    }
                    boolean compressed = data[nul + 1] != 0;
                    int language = indexOf(data, nul + 3, end);
                    int translated = language < 0 ? -1 : indexOf(data, language + 1, end);
                    if (translated < 0) {
                        yield null;
                    }
                    byte[] text = compressed ? inflate(data, translated + 1, end)
                            : java.util.Arrays.copyOfRange(data, translated + 1, end);
                    yield text(key, text, StandardCharsets.UTF_8);
                }
            };
        }

        private static TextChunk text(String key, byte[] bytes, java.nio.charset.Charset charset) {
            return bytes == null ? null : new TextChunk(key, new String(bytes, charset));
        }

        private static int indexOf(byte[] data, int from, int end) {
            for (int i = from; i < end; i++) {
                if (data[i] == 0) {
                    return i;
                }
            }
            return -1;
        }

        /** Inflates up to PIL's text limit; null when the data is not a complete zlib stream. */
        private static byte[] inflate(byte[] data, int from, int end) {
            if (from > end) {
                return null;
            }
            Inflater inflater = new Inflater();
            try {
                inflater.setInput(data, from, end - from);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                byte[] buffer = new byte[8192];
                while (!inflater.finished() && out.size() <= MAX_TEXT) {
                    int n = inflater.inflate(buffer);
                    if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                        return null;
                    }
                    out.write(buffer, 0, n);
                }
                return out.size() > MAX_TEXT ? null : out.toByteArray();
            } catch (DataFormatException e) {
                return null;
            } finally {
                inflater.end();
            }
        }
    }
}
