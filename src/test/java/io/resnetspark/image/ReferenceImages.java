package io.resnetspark.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.resnetspark.testing.ReferencePython;
import io.resnetspark.weights.NpyFormat;
import io.resnetspark.weights.Tensor;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * The reference images and PIL/torchvision outputs of src/test/python/image_reference.py, made once
 * per test JVM in a temporary folder (deleted at exit). Before the script runs, two JPEGs that PIL
 * cannot write are added: a YCCK JPEG and a JPEG with a non-sRGB ICC profile.
 */
final class ReferenceImages {

    static final String SCRIPT = "src/test/python/image_reference.py";

    /** One image of the manifest. */
    record Entry(String name, String file, String format, String mode, int width, int height, boolean plainDiffers) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Path root;
    private static List<Entry> entries;

    private ReferenceImages() {}

    static synchronized Path root() {
        if (root == null) {
            try {
                Path dir = Files.createTempDirectory("image-reference");
                deleteAtExit(dir);
                Path images = Files.createDirectories(dir.resolve("images"));
                Files.write(images.resolve("jpeg_ycck_java_64x48.jpg"), ycckJpeg(64, 48));
                Files.write(images.resolve("jpeg_icc_linear_java_96x64.jpg"), jpegWithLinearRgbProfile(96, 64));
                ReferencePython.runScript(SCRIPT, "images", "--out-dir", dir.toString());
                root = dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return root;
    }

    static synchronized List<Entry> entries() throws IOException {
        if (entries == null) {
            List<Entry> list = new ArrayList<>();
            List<String> lines = Files.readAllLines(root().resolve("manifest.tsv"));
            assertEquals("name\tfile\tformat\tmode\twidth\theight\tplain_differs", lines.get(0));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.split("\t");
                list.add(new Entry(f[0], f[1], f[2], f[3], Integer.parseInt(f[4]), Integer.parseInt(f[5]), f[6].equals("1")));
            }
            entries = List.copyOf(list);
        }
        return entries;
    }

    static Stream<Entry> all() throws IOException {
        return entries().stream();
    }

    static byte[] bytes(Entry entry) throws IOException {
        return Files.readAllBytes(root().resolve("images").resolve(entry.file()));
    }

    static byte[] bytes(String file) throws IOException {
        return Files.readAllBytes(root().resolve("images").resolve(file));
    }

    /** A uint8 HxWx3 reference array of ref/, as an image. */
    static RgbImage rgb(String refFile) throws IOException {
        return rgbArray(root().resolve("ref").resolve(refFile));
    }

    /** A uint8 HxWx3 .npy file, as an image. */
    static RgbImage rgbArray(Path npy) throws IOException {
        Tensor t = NpyFormat.read(npy);
        long[] shape = t.shape();
        String refFile = npy.getFileName().toString();
        assertEquals(3, shape.length, refFile);
        assertEquals(3, shape[2], refFile);
        float[] v = t.values();
        byte[] pixels = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            pixels[i] = (byte) (int) v[i];
        }
        return new RgbImage((int) shape[1], (int) shape[0], pixels);
    }

    static boolean exists(String refFile) {
        return Files.exists(root().resolve("ref").resolve(refFile));
    }

    static float[] floats(String refFile) throws IOException {
        return NpyFormat.read(root().resolve("ref").resolve(refFile)).values();
    }

    /**
     * A 4-component JPEG whose Adobe marker says YCCK (transform 2). The JDK writes 4-band rasters
     * as plain CMYK without an Adobe marker; adding the marker makes every decoder read the same
     * components as Y, Cb, Cr, K, which is all a YCCK test needs.
     */
    static byte[] ycckJpeg(int width, int height) throws IOException {
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, width, height, 4, null);
        Random random = new Random(7);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                raster.setPixel(x, y, new int[] {x * 255 / width, y * 255 / height, 128 + random.nextInt(60), 30 + random.nextInt(80)});
            }
        }
        byte[] cmyk = writeJpeg(new IIOImage(raster, null, null));
        byte[] adobe = {(byte) 0xff, (byte) 0xee, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 2};
        return insertAfterSoi(cmyk, adobe);
    }

    /** A JFIF JPEG carrying the JDK's linear-RGB ICC profile, which PIL ignores when decoding. */
    static byte[] jpegWithLinearRgbProfile(int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, (x * 255 / width) << 16 | (y * 255 / height) << 8 | 100);
            }
        }
        byte[] profile = ICC_Profile.getInstance(ColorSpace.CS_LINEAR_RGB).getData();
        ByteArrayOutputStream segment = new ByteArrayOutputStream();
        int length = 2 + 12 + 2 + profile.length;
        segment.write(new byte[] {(byte) 0xff, (byte) 0xe2, (byte) (length >> 8), (byte) length});
        segment.write("ICC_PROFILE\0".getBytes(StandardCharsets.US_ASCII));
        segment.write(new byte[] {1, 1});
        segment.write(profile);
        return insertAfterSoi(writeJpeg(new IIOImage(image, null, null)), segment.toByteArray());
    }

    static byte[] insertAfterSoi(byte[] jpeg, byte[] segment) {
        byte[] out = new byte[jpeg.length + segment.length];
        System.arraycopy(jpeg, 0, out, 0, 2);
        System.arraycopy(segment, 0, out, 2, segment.length);
        System.arraycopy(jpeg, 2, out, 2 + segment.length, jpeg.length - 2);
        return out;
    }

    /** JPEG with the JDK's own writer (quality 0.95). */
    static byte[] writeJpeg(IIOImage image) throws IOException {
        ImageWriter writer = null;
        for (var it = ImageIO.getImageWritersByFormatName("jpeg"); it.hasNext(); ) {
            ImageWriter candidate = it.next();
            if (candidate.getClass().getName().startsWith("com.sun.")) {
                writer = candidate;
            }
        }
        if (writer == null) {
            throw new IllegalStateException("the JDK's JPEG writer is missing");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(0.95f);
            writer.write(null, image, param);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    /** Mean and max absolute difference of two same-size images, in levels (0-255). */
    static double[] diff(RgbImage a, RgbImage b) {
        assertEquals(a.width() + "x" + a.height(), b.width() + "x" + b.height(), "image sizes differ");
        byte[] p = a.pixels();
        byte[] q = b.pixels();
        long sum = 0;
        int max = 0;
        for (int i = 0; i < p.length; i++) {
            int d = Math.abs((p[i] & 0xff) - (q[i] & 0xff));
            sum += d;
            max = Math.max(max, d);
        }
        return new double[] {(double) sum / p.length, max};
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length, "value counts differ");
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }

    static void deleteAtExit(Path dir) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temporary folder left behind is harmless
            }
        }));
    }

    static String describe(double[] d) {
        return String.format(Locale.ROOT, "mean %.4f, max %d", d[0], (int) d[1]);
    }
}
