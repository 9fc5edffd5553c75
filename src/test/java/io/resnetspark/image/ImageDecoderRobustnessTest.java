package io.resnetspark.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input gives an {@link InvalidImageException} with the right reason, never another exception
 * or an error: empty, text, HTML, random bytes, files cut at many points, decompression bombs,
 * unsupported formats and randomly damaged files. Also: one decoder shared by several threads.
 */
class ImageDecoderRobustnessTest {

    private static final ImageDecoder DECODER = new ImageDecoder();

    /** Valid files of every format, cut and damaged below. */
    private static final String[] SAMPLES = {
        "jpeg_420_500x375.jpg", "jpeg_progressive_500x375.jpg", "jpeg_cmyk_320x240.jpg", "jpeg_gray_300x1000.jpg",
        "png_rgb_500x375.png", "png_palette_300x200.png", "png_gray16_120x90.png", "gif_animated_250x180.gif",
        "bmp_rgb_500x375.bmp", "webp_lossy_500x375.webp", "webp_lossless_256x256.webp", "tiff_rgb_100x80.tif",
    };

    private static InvalidImageException rejected(byte[] data) {
        return assertThrows(InvalidImageException.class, () -> DECODER.decode(data));
    }

    @Test
    void zeroBytesAreEmpty() {
        assertEquals(InvalidImageException.EMPTY, rejected(new byte[0]).reason());
    }

    @Test
    void textAndHtmlAreNotImages() {
        String[] texts = {
            "hello, world\n",
            "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body>Not Found</body></html>\n",
            "BMW 3 series\n",
            "{\"error\": \"rate limited\"}",
        };
        for (String text : texts) {
            InvalidImageException e = rejected(text.getBytes(StandardCharsets.UTF_8));
            assertEquals(InvalidImageException.NOT_AN_IMAGE, e.reason(), text);
            assertTrue(e.getMessage().contains("text"), e.getMessage());
        }
    }

    @Test
    void randomBytesAreNotImages() {
        Random random = new Random(11);
        for (int length : new int[] {1, 7, 100, 4096, 100_000}) {
            byte[] data = new byte[length];
            random.nextBytes(data);
            assertEquals(InvalidImageException.NOT_AN_IMAGE, rejected(data).reason(), "length " + length);
        }
    }

    @Test
    void knownButUnsupportedFormatsSaySo() throws Exception {
        byte[] heic = "\0\0\0\u0018ftypheic\0\0\0\0mif1heic".getBytes(StandardCharsets.ISO_8859_1);
        byte[] avif = "\0\0\0\u001cftypavif\0\0\0\0avifmif1miaf".getBytes(StandardCharsets.ISO_8859_1);
        byte[] psd = "8BPS\0\1\0\0\0\0\0\0\0\3".getBytes(StandardCharsets.ISO_8859_1);
        for (byte[] data : List.of(heic, avif, psd)) {
            assertEquals(InvalidImageException.UNSUPPORTED_FORMAT, rejected(data).reason());
        }
        byte[] jpeg = ReferenceImages.bytes("jpeg_224x224.jpg");
        int sof = indexOf(jpeg, (byte) 0xff, (byte) 0xc0);
        byte[] lossless = jpeg.clone();
        lossless[sof + 1] = (byte) 0xc3;
        InvalidImageException e = rejected(lossless);
        assertEquals(InvalidImageException.UNSUPPORTED_FORMAT, e.reason());
        assertTrue(e.getMessage().contains("lossless"), e.getMessage());
        byte[] twelveBit = jpeg.clone();
        twelveBit[sof + 4] = 12;
        assertEquals(InvalidImageException.UNSUPPORTED_FORMAT, rejected(twelveBit).reason());
    }

    /**
     * Cut points: inside the header, at quarters, and close to the end of the image data. (Cut
     * within the first 18 bytes, a file may no longer be recognisable: then it is "not_an_image".)
     */
    @ParameterizedTest
    @ValueSource(strings = {
        "jpeg_420_500x375.jpg", "jpeg_progressive_500x375.jpg", "jpeg_cmyk_320x240.jpg", "jpeg_gray_300x1000.jpg",
        "png_rgb_500x375.png", "png_palette_300x200.png", "png_gray16_120x90.png", "gif_animated_250x180.gif",
        "bmp_rgb_500x375.bmp", "webp_lossy_500x375.webp", "webp_lossless_256x256.webp", "tiff_rgb_100x80.tif",
    })
    void filesCutShortAreTruncated(String file) throws Exception {
        byte[] full = ReferenceImages.bytes(file);
        int length = full.length;
        // A GIF's first frame ends long before the file (a second frame follows), so cut within it.
        int end = file.endsWith(".gif") ? firstGifFrameEnd(full) : length;
        int[] cuts = {24, 40, 100, end / 4, end / 2, 3 * end / 4, end - 64};
        for (int cut : cuts) {
            byte[] data = Arrays.copyOf(full, cut);
            InvalidImageException e = rejected(data);
            assertEquals(InvalidImageException.TRUNCATED, e.reason(), file + " cut at " + cut + "/" + length + ": " + e.getMessage());
        }
        if (file.endsWith(".jpg")) {
            // Cut in the last bytes, down to only the EOI marker missing: libjpeg decodes nearly
            // everything, PIL calls it truncated; so do we.
            for (int cut : new int[] {2, 3, length - 17, length - 2}) {
                assertEquals(InvalidImageException.TRUNCATED, rejected(Arrays.copyOf(full, cut)).reason(), "cut at " + cut);
            }
        }
    }

    @Test
    void pngMissingOnlyChecksumsAndTrailerDecodesAsInPil() throws Exception {
        // PIL 9.4 loads a PNG whose last 17 bytes (IDAT CRC, IEND) are gone: every row is there.
        byte[] png = ReferenceImages.bytes("png_rgb_500x375.png");
        assertEquals(DECODER.decode(png), DECODER.decode(Arrays.copyOf(png, png.length - 17)));
    }

    @Test
    void trailingBytesAfterAJpegAreTolerated() throws Exception {
        byte[] jpeg = ReferenceImages.bytes("jpeg_224x224.jpg");
        byte[] padded = Arrays.copyOf(jpeg, jpeg.length + 300); // zeros after EOI, as some cameras write
        assertEquals(DECODER.decode(jpeg), DECODER.decode(padded));
    }

    @Test
    void malformedIccProfileDoesNotPreventDecoding() throws Exception {
        byte[] jpeg = ReferenceImages.bytes("jpeg_224x224.jpg");
        byte[] garbage = new byte[300];
        new Random(5).nextBytes(garbage);
        byte[] segment = new byte[4 + 14 + garbage.length];
        int length = segment.length - 2;
        segment[0] = (byte) 0xff;
        segment[1] = (byte) 0xe2;
        segment[2] = (byte) (length >> 8);
        segment[3] = (byte) length;
        System.arraycopy("ICC_PROFILE\0".getBytes(StandardCharsets.US_ASCII), 0, segment, 4, 12);
        segment[16] = 1;
        segment[17] = 1;
        System.arraycopy(garbage, 0, segment, 18, garbage.length);
        assertEquals(DECODER.decode(jpeg), DECODER.decode(ReferenceImages.insertAfterSoi(jpeg, segment)));
    }

    @Test
    void exifBlockThatIsBrokenMeansUpright() throws Exception {
        byte[] jpeg = ReferenceImages.bytes("jpeg_224x224.jpg");
        byte[] exif = {(byte) 0xff, (byte) 0xe1, 0, 20, 'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0x7f, 0, 0, 0, 1, 1, 0, 0};
        assertEquals(DECODER.decode(jpeg), DECODER.decode(ReferenceImages.insertAfterSoi(jpeg, exif)));
    }

    // ---- decompression bombs: a tiny file whose header claims 50,000 x 50,000 pixels ----

    @Test
    void bombsAreRefusedFromTheirHeaderWithoutAllocatingPixels() throws Exception {
        List<byte[]> bombs = List.of(
                pngBomb(50_000, 50_000),
                patchJpegSize(ReferenceImages.bytes("jpeg_224x224.jpg"), 50_000, 50_000),
                patchGifSize(ReferenceImages.bytes("gif_64x300.gif"), 50_000, 50_000),
                patchBmpSize(ReferenceImages.bytes("bmp_gray_64x64.bmp"), 50_000, 50_000),
                patchWebpLosslessSize(ReferenceImages.bytes("webp_lossless_rgba_120x90.webp"), 16_384, 16_384),
                patchTiffSize(ReferenceImages.bytes("tiff_rgb_100x80.tif"), 50_000, 50_000));
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (byte[] bomb : bombs) {
            rejected(bomb); // once before measuring: class loading is not the decode's allocation
            long before = threads.getCurrentThreadAllocatedBytes();
            InvalidImageException e = rejected(bomb);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertEquals(InvalidImageException.TOO_LARGE, e.reason(), e.getMessage());
            assertTrue(bomb.length < 100_000, "the bomb file itself is small");
            // 50,000^2 RGB would be 7.5 GB; refusing it must cost next to nothing.
            assertTrue(allocated < 16 << 20, () -> "allocated " + allocated + " bytes before refusing: " + e.getMessage());
        }
    }

    @Test
    void pixelLimitIsTheDecodersOwn() throws Exception {
        byte[] jpeg = ReferenceImages.bytes("jpeg_420_500x375.jpg");
        byte[] png = ReferenceImages.bytes("png_rgb_500x375.png");
        ImageDecoder small = new ImageDecoder(500 * 375 - 1);
        assertEquals(InvalidImageException.TOO_LARGE, assertThrows(InvalidImageException.class, () -> small.decode(jpeg)).reason());
        assertEquals(InvalidImageException.TOO_LARGE, assertThrows(InvalidImageException.class, () -> small.decode(png)).reason());
        assertEquals(500, new ImageDecoder(500 * 375).decode(jpeg).width());
        assertThrows(IllegalArgumentException.class, () -> new ImageDecoder(0));
        assertThrows(IllegalArgumentException.class, () -> new ImageDecoder(RgbImage.MAX_PIXELS + 1));
    }

    // ---- random damage ----

    @Test
    void damagedFilesNeverThrowAnythingElse() throws Exception {
        Random random = new Random(2024);
        int decoded = 0;
        int rejected = 0;
        for (String file : SAMPLES) {
            byte[] original = ReferenceImages.bytes(file);
            for (int round = 0; round < 40; round++) {
                byte[] data = damage(original, random);
                try {
                    RgbImage image = DECODER.decode(data);
                    assertEquals(image.width() * image.height() * 3, image.pixels().length);
                    decoded++;
                } catch (InvalidImageException e) {
                    assertTrue(e.reason().matches("[a-z_]+"), e.reason());
                    rejected++;
                } catch (Throwable t) {
                    fail(file + " round " + round + ": " + t, t);
                }
            }
        }
        assertEquals(SAMPLES.length * 40, decoded + rejected);
    }

    /** Overwrites, inserts or deletes a few bytes after the signature, as bit rot and bad copies do. */
    static byte[] damage(byte[] original, Random random) {
        byte[] data = original.clone();
        int edits = 1 + random.nextInt(8);
        for (int i = 0; i < edits; i++) {
            int at = 8 + random.nextInt(data.length - 8);
            switch (random.nextInt(3)) {
                case 0 -> data[at] = (byte) random.nextInt(256);
                case 1 -> {
                    byte[] longer = new byte[data.length + 1];
                    System.arraycopy(data, 0, longer, 0, at);
                    longer[at] = (byte) random.nextInt(256);
                    System.arraycopy(data, at, longer, at + 1, data.length - at);
                    data = longer;
                }
                default -> {
                    byte[] shorter = new byte[data.length - 1];
                    System.arraycopy(data, 0, shorter, 0, at);
                    System.arraycopy(data, at + 1, shorter, at, data.length - at - 1);
                    data = shorter;
                }
            }
        }
        return data;
    }

    // ---- threads ----

    @Test
    void oneDecoderServesManyThreads() throws Exception {
        List<byte[]> files = new ArrayList<>();
        List<RgbImage> expected = new ArrayList<>();
        for (String file : SAMPLES) {
            byte[] data = ReferenceImages.bytes(file);
            files.add(data);
            expected.add(DECODER.decode(data));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int shift = t;
                results.add(pool.submit(() -> {
                    for (int round = 0; round < 3; round++) {
                        for (int i = 0; i < files.size(); i++) {
                            int k = (i + shift) % files.size();
                            if (!DECODER.decode(files.get(k)).equals(expected.get(k))) {
                                return false;
                            }
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> result : results) {
                assertTrue(result.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- Spark's image schema ----

    @Test
    void sparkRowsBecomeRgb() throws Exception {
        byte[] bgr = {1, 2, 3, 4, 5, 6};
        assertArrayEquals(new byte[] {3, 2, 1, 6, 5, 4}, ImageDecoder.fromBgr(bgr, 2, 1, 3).pixels());
        byte[] bgra = {1, 2, 3, 9, 4, 5, 6, 9};
        assertArrayEquals(new byte[] {3, 2, 1, 6, 5, 4}, ImageDecoder.fromBgr(bgra, 1, 2, 4).pixels());
        byte[] gray = {7, (byte) 200};
        assertArrayEquals(new byte[] {7, 7, 7, (byte) 200, (byte) 200, (byte) 200}, ImageDecoder.fromBgr(gray, 2, 1, 1).pixels());
    }

    @Test
    void badSparkRowsAreRejected() {
        assertEquals(InvalidImageException.NOT_AN_IMAGE,
                assertThrows(InvalidImageException.class, () -> ImageDecoder.fromBgr(new byte[0], -1, -1, -1)).reason());
        assertEquals(InvalidImageException.EMPTY,
                assertThrows(InvalidImageException.class, () -> ImageDecoder.fromBgr(new byte[0], 2, 2, 3)).reason());
        assertEquals(InvalidImageException.UNSUPPORTED_FORMAT,
                assertThrows(InvalidImageException.class, () -> ImageDecoder.fromBgr(new byte[8], 2, 2, 2)).reason());
        assertEquals(InvalidImageException.CORRUPT,
                assertThrows(InvalidImageException.class, () -> ImageDecoder.fromBgr(new byte[11], 2, 2, 3)).reason());
        assertEquals(InvalidImageException.TOO_LARGE,
                assertThrows(InvalidImageException.class, () -> ImageDecoder.fromBgr(new byte[3], 60_000, 60_000, 3)).reason());
    }

    // ---- helpers that craft files ----

    private static int indexOf(byte[] data, byte a, byte b) {
        for (int i = 0; i + 1 < data.length; i++) {
            if (data[i] == a && data[i + 1] == b) {
                return i;
            }
        }
        throw new AssertionError("marker not found");
    }

    private static int firstGifFrameEnd(byte[] gif) {
        int pos = 13 + ((gif[10] & 0x80) != 0 ? 3 * (1 << ((gif[10] & 7) + 1)) : 0);
        while (true) {
            int block = gif[pos++] & 0xff;
            if (block == 0x21) {
                pos++;
                while (gif[pos] != 0) {
                    pos += (gif[pos] & 0xff) + 1;
                }
                pos++;
            } else {
                pos += 9 + ((gif[pos + 8] & 0x80) != 0 ? 3 * (1 << ((gif[pos + 8] & 7) + 1)) : 0) + 1;
                while (gif[pos] != 0) {
                    pos += (gif[pos] & 0xff) + 1;
                }
                return pos + 1;
            }
        }
    }

    /** Signature, IHDR of the given size (8-bit RGB), an empty IDAT and IEND, with valid CRCs. */
    static byte[] pngBomb(int width, int height) {
        byte[] ihdr = {0, 0, 0, 0, 0, 0, 0, 0, 8, 2, 0, 0, 0};
        putBigEndian(ihdr, 0, width);
        putBigEndian(ihdr, 4, height);
        byte[] idat = {0x78, (byte) 0x9c, 3, 0, 0, 0, 0, 1}; // zlib stream of nothing
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        out.writeBytes(chunk("IHDR", ihdr));
        out.writeBytes(chunk("IDAT", idat));
        out.writeBytes(chunk("IEND", new byte[0]));
        return out.toByteArray();
    }

    private static byte[] chunk(String type, byte[] data) {
        byte[] out = new byte[12 + data.length];
        putBigEndian(out, 0, data.length);
        System.arraycopy(type.getBytes(StandardCharsets.US_ASCII), 0, out, 4, 4);
        System.arraycopy(data, 0, out, 8, data.length);
        CRC32 crc = new CRC32();
        crc.update(out, 4, 4 + data.length);
        putBigEndian(out, 8 + data.length, (int) crc.getValue());
        return out;
    }

    private static void putBigEndian(byte[] data, int offset, int value) {
        data[offset] = (byte) (value >> 24);
        data[offset + 1] = (byte) (value >> 16);
        data[offset + 2] = (byte) (value >> 8);
        data[offset + 3] = (byte) value;
    }

    private static void putLittleEndian16(byte[] data, int offset, int value) {
        data[offset] = (byte) value;
        data[offset + 1] = (byte) (value >> 8);
    }

    static byte[] patchJpegSize(byte[] jpeg, int width, int height) {
        byte[] data = jpeg.clone();
        int sof = indexOf(data, (byte) 0xff, (byte) 0xc0);
        data[sof + 5] = (byte) (height >> 8);
        data[sof + 6] = (byte) height;
        data[sof + 7] = (byte) (width >> 8);
        data[sof + 8] = (byte) width;
        return data;
    }

    static byte[] patchGifSize(byte[] gif, int width, int height) {
        byte[] data = gif.clone();
        putLittleEndian16(data, 6, width);
        putLittleEndian16(data, 8, height);
        int pos = 13 + ((data[10] & 0x80) != 0 ? 3 * (1 << ((data[10] & 7) + 1)) : 0);
        while ((data[pos] & 0xff) == 0x21) {
            pos += 2;
            while (data[pos] != 0) {
                pos += (data[pos] & 0xff) + 1;
            }
            pos++;
        }
        putLittleEndian16(data, pos + 5, width);
        putLittleEndian16(data, pos + 7, height);
        return data;
    }

    static byte[] patchBmpSize(byte[] bmp, int width, int height) {
        byte[] data = bmp.clone();
        for (int i = 0; i < 4; i++) {
            data[18 + i] = (byte) (width >> (8 * i));
            data[22 + i] = (byte) (height >> (8 * i));
        }
        return data;
    }

    /** VP8L: after "VP8L", its size and the 0x2f signature come 14 bits width-1, 14 bits height-1. */
    static byte[] patchWebpLosslessSize(byte[] webp, int width, int height) {
        byte[] data = webp.clone();
        int at = indexOf(data, (byte) 'V', (byte) 'P') + 9;
        long bits = (data[at] & 0xffL) | (data[at + 1] & 0xffL) << 8 | (data[at + 2] & 0xffL) << 16 | (data[at + 3] & 0xffL) << 24;
        bits = (bits & ~((1L << 28) - 1)) | (width - 1) | (long) (height - 1) << 14;
        for (int i = 0; i < 4; i++) {
            data[at + i] = (byte) (bits >> (8 * i));
        }
        return data;
    }

    /** Sets ImageWidth (256) and ImageLength (257) of IFD0 of a little-endian TIFF. */
    static byte[] patchTiffSize(byte[] tiff, int width, int height) {
        byte[] data = tiff.clone();
        int ifd = ImageFormat.littleEndianInt(data, 4);
        int count = (data[ifd] & 0xff) | (data[ifd + 1] & 0xff) << 8;
        for (int i = 0; i < count; i++) {
            int entry = ifd + 2 + 12 * i;
            int tag = (data[entry] & 0xff) | (data[entry + 1] & 0xff) << 8;
            int type = (data[entry + 2] & 0xff) | (data[entry + 3] & 0xff) << 8;
            if (tag == 256 || tag == 257) {
                int value = tag == 256 ? width : height;
                if (type == 3) {
                    putLittleEndian16(data, entry + 8, value);
                } else {
                    for (int b = 0; b < 4; b++) {
                        data[entry + 8 + b] = (byte) (value >> (8 * b));
                    }
                }
            }
        }
        return data;
    }
}
