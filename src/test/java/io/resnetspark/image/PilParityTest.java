package io.resnetspark.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.resnetspark.image.ReferenceImages.Entry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Decoding and preprocessing against PIL 9.4 and torchvision 0.14 on the images that
 * image_reference.py writes in this test run.
 *
 * <ul>
 *   <li>Decoding: every lossless format, and JPEG, must equal PIL's decode exactly. The JDK's
 *       libjpeg 6b and PIL's libjpeg-turbo share the ISLOW IDCT and fancy upsampling bit for bit,
 *       so the JPEG bound below (mean 1/255, max 4 levels, the usual size of IDCT and upsampling
 *       rounding differences between libjpeg builds) is a safety margin that, measured, is not
 *       used. Lossy WebP is the exception: TwelveMonkeys' VP8 decoder is not libwebp (see the bound
 *       and its reason below).
 *   <li>Preprocessing on identical pixels (PIL's decode fed to the Java preprocessor): the resized
 *       and cropped uint8 must be identical, and the normalised floats equal to float32 rounding.
 *   <li>End to end (Java decode, Java preprocessing) against torchvision: mean |difference| at most
 *       1/255 after resize and crop.
 * </ul>
 *
 * The reference decode applies EXIF orientation (ImageOps.exif_transpose), where a plain PIL
 * pipeline does not; the plain decode is checked with orientation off.
 */
class PilParityTest {

    /** Pipelines of image_reference.py, by name. */
    static final Map<String, PreprocessConfig> PIPELINES = Map.of(
            "default", PreprocessConfig.torchvisionDefault(),
            "crop224", new PreprocessConfig(0, 224, 224, null, null),
            "r160c192x128", new PreprocessConfig(160, 192, 128, null, null),
            "resize64", new PreprocessConfig(64, 0, 0, null, null));

    /** JPEG decode bounds, in levels: see the class comment. */
    private static final double JPEG_MEAN_BOUND = 1.0;
    private static final int JPEG_MAX_BOUND = 4;

    /**
     * Lossy WebP: TwelveMonkeys' VP8 decoder is not libwebp. Measured on a photo-like 500x375
     * image, luma agrees to within conversion rounding (mean 0.5, max 4 levels) while chroma differs
     * (mean 1.2, max 25), the mark of a different chroma upsampling than libwebp's "fancy" one:
     * colour edges differ, flat areas match. RGB mean 1.6-1.8 levels on the test images; the bound
     * leaves headroom.
     */
    private static final double WEBP_LOSSY_MEAN_BOUND = 3.0;

    /** End to end after resize and crop: 1/255 in [0, 1] units, i.e. one level. */
    private static final double END_TO_END_MEAN_BOUND = 1.0;

    private static final float FLOAT_TOLERANCE = 1e-6f;

    private static final Map<String, double[]> DECODE = new TreeMap<>();
    private static final Map<String, double[]> END_TO_END = new TreeMap<>();
    private static final Map<String, String> FORMAT_OF = new TreeMap<>();
    private static final List<String> FLOATS = new ArrayList<>();

    static Stream<Entry> images() throws IOException {
        return ReferenceImages.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void decodeMatchesPil(Entry entry) throws Exception {
        RgbImage decoded = new ImageDecoder().decode(ReferenceImages.bytes(entry));
        RgbImage reference = ReferenceImages.rgb(entry.name() + ".decoded.npy");
        double[] d = ReferenceImages.diff(decoded, reference);
        synchronized (DECODE) {
            DECODE.put(entry.name(), d);
            FORMAT_OF.put(entry.name(), group(entry));
        }
        String what = entry.name() + ": " + ReferenceImages.describe(d);
        switch (group(entry)) {
            case "JPEG" -> assertTrue(d[0] <= JPEG_MEAN_BOUND && d[1] <= JPEG_MAX_BOUND, what);
            case "WEBP lossy" -> assertTrue(d[0] <= WEBP_LOSSY_MEAN_BOUND, what);
            default -> assertEquals(0, d[1], what); // lossless: exact
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void preprocessingOfPilPixelsIsExact(Entry entry) throws Exception {
        RgbImage pilDecode = ReferenceImages.rgb(entry.name() + ".decoded.npy");
        for (Map.Entry<String, PreprocessConfig> pipeline : PIPELINES.entrySet()) {
            String key = pipeline.getKey();
            Preprocessor preprocessor = new Preprocessor(pipeline.getValue());
            RgbImage expected = ReferenceImages.rgb(entry.name() + "." + key + ".npy");
            boolean fits = expected.width() == pipeline.getValue().outputWidth()
                    && expected.height() == pipeline.getValue().outputHeight();
            if (!fits) {
                // Without a crop, torchvision's output size varies; the model input cannot.
                InvalidImageException e = assertThrows(InvalidImageException.class, () -> preprocessor.resizeAndCrop(pilDecode));
                assertEquals(InvalidImageException.WRONG_SIZE, e.reason(), key);
                continue;
            }
            RgbImage actual = preprocessor.resizeAndCrop(pilDecode);
            double[] d = ReferenceImages.diff(actual, expected);
            assertEquals(0, d[1], () -> entry.name() + " " + key + ": " + ReferenceImages.describe(d));
            String tensor = entry.name() + "." + key + ".f32.npy";
            if (ReferenceImages.exists(tensor)) {
                double max = ReferenceImages.maxAbsDiff(preprocessor.toChw(pilDecode), ReferenceImages.floats(tensor));
                synchronized (FLOATS) {
                    FLOATS.add(String.format(Locale.ROOT, "%s %s %.2e", entry.name(), key, max));
                }
                assertTrue(max <= FLOAT_TOLERANCE, () -> entry.name() + " " + key + ": float max diff " + max);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void decodeAndPreprocessMatchTorchvision(Entry entry) throws Exception {
        RgbImage decoded = new ImageDecoder().decode(ReferenceImages.bytes(entry));
        RgbImage actual = new Preprocessor(PreprocessConfig.torchvisionDefault()).resizeAndCrop(decoded);
        double[] d = ReferenceImages.diff(actual, ReferenceImages.rgb(entry.name() + ".default.npy"));
        synchronized (END_TO_END) {
            END_TO_END.put(entry.name(), d);
        }
        assertTrue(d[0] <= END_TO_END_MEAN_BOUND || group(entry).equals("WEBP lossy"),
                () -> entry.name() + ": " + ReferenceImages.describe(d));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void withoutOrientationTheDecodeIsPlainPil(Entry entry) throws Exception {
        if (!entry.format().equals("JPEG")) {
            return; // only JPEGs carry an orientation this decoder applies
        }
        RgbImage plain = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS, false).decode(ReferenceImages.bytes(entry));
        String reference = entry.name() + (entry.plainDiffers() ? ".plain.npy" : ".decoded.npy");
        double[] d = ReferenceImages.diff(plain, ReferenceImages.rgb(reference));
        assertTrue(d[0] <= JPEG_MEAN_BOUND && d[1] <= JPEG_MAX_BOUND, () -> entry.name() + ": " + ReferenceImages.describe(d));
    }

    private static String group(Entry entry) {
        if (entry.format().equals("WEBP")) {
            return entry.name().contains("lossy") ? "WEBP lossy" : "WEBP lossless";
        }
        return entry.format();
    }

    @AfterAll
    static void writeReport() throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("# Image parity against PIL 9.4 / torchvision 0.14 (levels 0-255)");
        lines.add("");
        lines.add("| format | files | decode mean | decode max | end-to-end mean (resize+crop) | end-to-end max |");
        lines.add("|---|---|---|---|---|---|");
        Map<String, double[]> perFormat = new TreeMap<>();
        for (Map.Entry<String, double[]> e : DECODE.entrySet()) {
            double[] agg = perFormat.computeIfAbsent(FORMAT_OF.get(e.getKey()), k -> new double[5]);
            double[] end = END_TO_END.getOrDefault(e.getKey(), new double[2]);
            agg[0]++;
            agg[1] += e.getValue()[0];
            agg[2] = Math.max(agg[2], e.getValue()[1]);
            agg[3] += end[0];
            agg[4] = Math.max(agg[4], end[1]);
        }
        perFormat.forEach((format, a) -> lines.add(String.format(Locale.ROOT, "| %s | %d | %.4f | %d | %.4f | %d |",
                format, (int) a[0], a[1] / a[0], (int) a[2], a[3] / a[0], (int) a[4])));
        lines.add("");
        lines.add("| file | decode mean | decode max | end-to-end mean | end-to-end max |");
        lines.add("|---|---|---|---|---|");
        DECODE.forEach((name, d) -> {
            double[] end = END_TO_END.getOrDefault(name, new double[2]);
            lines.add(String.format(Locale.ROOT, "| %s | %.4f | %d | %.4f | %d |", name, d[0], (int) d[1], end[0], (int) end[1]));
        });
        lines.add("");
        lines.add("Normalised floats on PIL's pixels, max |java - torchvision|:");
        FLOATS.stream().sorted().forEach(f -> lines.add("    " + f));
        Path report = Path.of("target", "image-parity-report.md");
        Files.createDirectories(report.getParent());
        Files.write(report, lines);
        lines.forEach(System.out::println);
    }
}
