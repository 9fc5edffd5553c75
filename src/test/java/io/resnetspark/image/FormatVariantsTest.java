package io.resnetspark.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.resnetspark.testing.ReferencePython;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Images as users have them, against PIL 9.4: the few hundred variants that
 * src/test/python/format_variants.py writes in this test run (every PNG colour type, bit depth and
 * interlacing, BMP RLE and OS/2 headers, TIFF compressions, photometrics and layouts, WebP with
 * EXIF, odd GIFs, JPEGs with odd EXIF and broken ICC profiles, APNG, MPO), each compared with
 * torchvision's PIL pipeline: {@code ImageOps.exif_transpose(Image.open(f)).convert("RGB")}.
 *
 * <p>A file agrees when the model input it gives, the 224x224 uint8 image after Resize(256) and
 * CenterCrop(224), differs from the one of PIL's pixels by at most {@link #AGREEMENT_MEAN_LEVELS}
 * on average: one grey level, the bound of PilParityTest's end to end check, within which the
 * project's JPEG parity holds. Exact agreement (identical decoded pixels) is counted too.
 *
 * <p>Thresholds (the report, target/format-parity-report.md, gives the figures per group): every
 * file PIL decodes must agree, except the {@link #KNOWN_GAPS}, which must be refused as {@code
 * unsupported_format} with a message naming what is missing; the decoded pixels must be exact
 * (lossy formats too: the same libjpeg IDCT, the same libwebp) except CIELab TIFF, which PIL converts through LittleCMS's interpolated grid ({@link CieLab}). All
 * files together, gaps included, at least {@link #OVERALL_MIN_AGREEMENT}: this set is made of
 * oddities, so real-world collections (the project's contract is 99% of what PIL decodes) fare
 * better. 16-bit, 32-bit and float single-channel images are checked under both {@link
 * HighBitDepth} choices, exactly. Files PIL cannot read must come out as an {@link
 * InvalidImageException}, never another exception.
 */
class FormatVariantsTest {

    static final String SCRIPT = "src/test/python/format_variants.py";

    /** Mean |difference| of the model input, in levels, within which a file counts as agreeing. */
    static final double AGREEMENT_MEAN_LEVELS = 1.0;

    /**
     * Files PIL decodes and this decoder refuses, each with the words its refusal must contain:
     * CIELab in separate planes and the floating-point predictor, which TwelveMonkeys' reader does
     * not read.
     */
    static final Map<String, String> KNOWN_GAPS = Map.of(
            "tiff_lab_planar_lzw", "separate planes",
            "tiff_float32_lzw_predictor3", "floating-point predictor");

    /** Least share of agreeing files over all groups, the known gaps counted as failures. */
    static final double OVERALL_MIN_AGREEMENT = 0.97;


    private static final Preprocessor MODEL_INPUT = new Preprocessor(PreprocessConfig.torchvisionDefault());

    /** One case of the manifest. */
    record Variant(String name, String file, String group, String mode, int width, int height, boolean deep, String pil) {
        boolean pilDecodes() {
            return pil.equals("ok");
        }
    }

    /** What one file gave. */
    record Outcome(Variant variant, boolean exact, boolean agrees, String detail) {}

    private static Path root;
    private static List<Variant> variants;
    private static final Map<String, Outcome> OUTCOMES = new ConcurrentHashMap<>();

    @BeforeAll
    static void writeVariants() throws Exception {
        assertTrue(LibWebp.available(), "libwebp is missing: run jobs/install-test-deps (Debian libwebp7)");
        assertTrue(TiffRecompressor.reads(TiffRecompressor.LZMA) && TiffRecompressor.reads(TiffRecompressor.ZSTANDARD),
                "liblzma or libzstd is missing (Debian liblzma5, libzstd1)");
        root = Files.createTempDirectory("format-variants");
        ReferenceImages.deleteAtExit(root);
        ReferencePython.runScript(SCRIPT, "--out-dir", root.toString());
        List<String> lines = Files.readAllLines(root.resolve("manifest.tsv"));
        assertEquals("name\tfile\tgroup\tmode\twidth\theight\tdeep\tpil", lines.get(0));
        variants = lines.subList(1, lines.size()).stream().map(line -> line.split("\t", -1))
                .map(f -> new Variant(f[0], f[1], f[2], f[3], Integer.parseInt(f[4]), Integer.parseInt(f[5]),
                        f[6].equals("1"), f[7]))
                .toList();
        assertTrue(variants.size() >= 200, "variants written: " + variants.size());
    }

    @Test
    void filesPilDecodesGivePilsPixels() throws Exception {
        ImageDecoder decoder = new ImageDecoder();
        for (Variant v : variants) {
            if (v.pilDecodes() && !v.deep()) {
                OUTCOMES.put(v.name(), compare(v, decoder, v.name() + ".npy"));
            }
        }
        List<Outcome> outcomes = byGroup().values().stream().flatMap(List::stream).toList();
        List<String> problems = new ArrayList<>();
        for (Outcome o : outcomes) {
            String gap = KNOWN_GAPS.get(o.variant().name());
            boolean mustBeExact = !o.variant().mode().equals("LAB"); // JPEG too: the same IDCT as libjpeg-turbo
            if (gap != null) {
                if (!o.detail().startsWith(InvalidImageException.UNSUPPORTED_FORMAT + ": ") || !o.detail().contains(gap)) {
                    problems.add(o.variant().name() + " should be refused as unsupported (" + gap + "): " + o.detail());
                }
            } else if (!o.agrees() || (mustBeExact && !o.exact())) {
                problems.add(o.variant().name() + ": " + o.detail());
            }
        }
        assertTrue(problems.isEmpty(), () -> problems.size() + " files differ from PIL: " + String.join("; ", problems));
        long agreeing = outcomes.stream().filter(Outcome::agrees).count();
        assertTrue(agreeing >= OVERALL_MIN_AGREEMENT * outcomes.size(),
                () -> agreeing + " of " + outcomes.size() + " agree; the others: " + disagreeing(outcomes));
    }

    @Test
    void deepSamplesAreClippedAsPilDoesOrScaled() throws Exception {
        int checked = 0;
        for (HighBitDepth choice : HighBitDepth.values()) {
            ImageDecoder decoder = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS, true, choice);
            for (Variant v : variants) {
                if (v.pilDecodes() && v.deep()) {
                    String reference = v.name() + (choice == HighBitDepth.CLIP ? ".npy" : ".scale.npy");
                    Outcome outcome = compare(v, decoder, reference);
                    OUTCOMES.put(v.name() + " (" + choice.id() + ")", outcome);
                    String gap = KNOWN_GAPS.get(v.name());
                    assertTrue(gap == null ? outcome.exact() : outcome.detail().contains(gap),
                            () -> v.name() + " with " + choice.id() + ": " + outcome.detail());
                    checked++;
                }
            }
        }
        assertTrue(checked >= 10, "deep images checked: " + checked);
    }

    @Test
    void filesPilCannotReadAreInvalidRowsWithAReason() throws Exception {
        ImageDecoder decoder = new ImageDecoder();
        for (Variant v : variants) {
            if (v.pilDecodes()) {
                continue;
            }
            try {
                RgbImage image = decoder.decode(Files.readAllBytes(root.resolve("images").resolve(v.file())));
                OUTCOMES.put(v.name(), new Outcome(v, false, false, "decoded " + image + "; PIL: " + v.pil()));
            } catch (InvalidImageException e) {
                assertTrue(e.reason().matches("[a-z_]+"), e.reason());
                OUTCOMES.put(v.name(), new Outcome(v, false, false, e.reason() + ": " + e.getMessage() + "; PIL: " + v.pil()));
            } catch (RuntimeException e) {
                fail(v.name() + ": " + e, e);
            }
        }
    }

    /** Native decoders (libwebp, liblzma, libzstd) given damaged and cut data: a reason, never a crash. */
    @Test
    void damagedDataForTheNativeDecodersIsAnInvalidRow() throws Exception {
        ImageDecoder decoder = new ImageDecoder();
        java.util.Random random = new java.util.Random(12);
        for (String name : List.of("webp_lossy.webp", "webp_lossless_alpha.webp", "tiff_rgb_lzma_predictor.tif",
                "tiff_rgb_zstd_tiles.tif", "tiff_rgba_webp.tif")) {
            byte[] original = Files.readAllBytes(root.resolve("images").resolve(name));
            for (int round = 0; round < 60; round++) {
                byte[] data = round < 10 ? java.util.Arrays.copyOf(original, original.length * round / 10)
                        : ImageDecoderRobustnessTest.damage(original, random);
                try {
                    decoder.decode(data);
                } catch (InvalidImageException e) {
                    assertTrue(e.reason().matches("[a-z_]+"), e.reason());
                } catch (RuntimeException e) {
                    fail(name + " round " + round + ": " + e, e);
                }
            }
        }
    }

    private static Outcome compare(Variant v, ImageDecoder decoder, String reference) throws IOException {
        RgbImage pil = ReferenceImages.rgbArray(root.resolve("ref").resolve(reference));
        RgbImage ours;
        try {
            ours = decoder.decode(Files.readAllBytes(root.resolve("images").resolve(v.file())));
        } catch (InvalidImageException e) {
            return new Outcome(v, false, false, e.reason() + ": " + e.getMessage());
        }
        if (ours.width() != pil.width() || ours.height() != pil.height()) {
            return new Outcome(v, false, false, "size " + ours.width() + "x" + ours.height() + ", PIL "
                    + pil.width() + "x" + pil.height());
        }
        double[] decoded = ReferenceImages.diff(ours, pil);
        double[] input;
        try {
            input = ReferenceImages.diff(MODEL_INPUT.resizeAndCrop(ours), MODEL_INPUT.resizeAndCrop(pil));
        } catch (InvalidImageException e) {
            throw new AssertionError(v.name() + ": " + e, e);
        }
        String detail = String.format(Locale.ROOT, "decoded %s; model input %s", ReferenceImages.describe(decoded),
                ReferenceImages.describe(input));
        return new Outcome(v, decoded[1] == 0, input[0] <= AGREEMENT_MEAN_LEVELS, detail);
    }

    private static Map<String, List<Outcome>> byGroup() {
        return OUTCOMES.values().stream().filter(o -> o.variant().pilDecodes() && !o.variant().deep())
                .collect(Collectors.groupingBy(o -> o.variant().group(), TreeMap::new, Collectors.toList()));
    }

    private static String disagreeing(java.util.Collection<Outcome> outcomes) {
        return outcomes.stream().filter(o -> !o.agrees()).map(o -> o.variant().name() + " (" + o.detail() + ")")
                .sorted().collect(Collectors.joining("; "));
    }

    @AfterAll
    static void writeReport() throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("# Format variants against PIL 9.4 (ImageOps.exif_transpose + convert(\"RGB\"))");
        lines.add("");
        lines.add(String.format(Locale.ROOT, "Agreement: model input (Resize 256, CenterCrop 224) within a mean of %.1f"
                + " level of PIL's. Every file must agree except the %d known gaps (refused as unsupported_format);"
                + " %.0f%% overall, gaps included.", AGREEMENT_MEAN_LEVELS, KNOWN_GAPS.size(), 100 * OVERALL_MIN_AGREEMENT));
        lines.add("");
        lines.add("| group | files PIL decodes | agree | exact | agreement |");
        lines.add("|---|---|---|---|---|");
        int all = 0;
        int allAgree = 0;
        for (Map.Entry<String, List<Outcome>> group : byGroup().entrySet()) {
            List<Outcome> outcomes = group.getValue();
            long agree = outcomes.stream().filter(Outcome::agrees).count();
            long exact = outcomes.stream().filter(Outcome::exact).count();
            all += outcomes.size();
            allAgree += (int) agree;
            lines.add(String.format(Locale.ROOT, "| %s | %d | %d | %d | %.1f%% |", group.getKey(), outcomes.size(), agree,
                    exact, 100.0 * agree / outcomes.size()));
        }
        if (all > 0) {
            lines.add(String.format(Locale.ROOT, "| all | %d | %d | | %.1f%% |", all, allAgree, 100.0 * allAgree / all));
        }
        lines.add("");
        lines.add("| file | group | PIL mode | outcome |");
        lines.add("|---|---|---|---|");
        new TreeMap<>(OUTCOMES).forEach((name, o) -> lines.add(String.format(Locale.ROOT, "| %s | %s | %s | %s%s |", name,
                o.variant().group(), o.variant().mode(), o.variant().pilDecodes() ? (o.agrees() ? "agrees: " : "DIFFERS: ")
                        : "PIL fails; ours: ", o.detail())));
        Path report = Path.of("target", "format-parity-report.md");
        Files.createDirectories(report.getParent());
        Files.write(report, lines);
    }
}
