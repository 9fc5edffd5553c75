package io.resnetspark.image.bench;

import io.resnetspark.image.ImageDecoder;
import io.resnetspark.image.InvalidImageException;
import io.resnetspark.image.PreprocessConfig;
import io.resnetspark.image.Preprocessor;
import io.resnetspark.image.RgbImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Decode + preprocess throughput on one thread: the Java peer of bench/decode_preprocess.py, run by
 * jobs/benchmark-decode.
 *
 * <p>Reads every .jpg of a folder into memory, then times, on the calling thread, the whole
 * torchvision eval transform from encoded bytes to normalised CHW floats ({@link ImageDecoder} +
 * {@link Preprocessor} with {@link PreprocessConfig#torchvisionDefault()}), and its two halves
 * separately, and the same to uint8 pixels only ({@link Preprocessor#resizeAndCrop}: what the task
 * threads do since the engine scales and normalises). Each figure is the best of {@code --rounds} passes over all files, after {@code
 * --warmup} untimed passes, and at least 600 untimed images (the JIT compiles the hot loops during
 * those). Prints one JSON line.
 *
 * <p>{@code --compare-readers} adds the decode rate of plain {@code ImageIO.read} (the registry's
 * JPEG reader into its default BGR image, not even converted to RGB), to show what the decoding
 * path of {@link ImageDecoder} saves.
 *
 * <p>Usage: {@code DecodeBenchmark --dir DIR [--rounds 3] [--warmup 2] [--compare-readers]}
 */
public final class DecodeBenchmark {

    /** Fewest images decoded and preprocessed before timing starts. */
    private static final int WARMUP_IMAGES = 600;

    private DecodeBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path dir = null;
        int rounds = 3;
        int warmup = 2;
        boolean compareReaders = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(value(args, ++i));
                case "--rounds" -> rounds = positive(value(args, ++i), "--rounds");
                case "--warmup" -> warmup = Integer.parseInt(value(args, ++i));
                case "--compare-readers" -> compareReaders = true;
                default -> usage("unknown option " + args[i]);
            }
        }
        if (dir == null) {
            usage("--dir is required");
        }
        List<byte[]> files = readJpegs(dir);
        if (files.isEmpty()) {
            usage("no .jpg files in " + dir);
        }

        // The JIT needs a few hundred images to compile the hot loops, whatever the folder holds.
        warmup = Math.max(warmup, (int) Math.ceil(WARMUP_IMAGES / (double) files.size()));

        ImageDecoder decoder = new ImageDecoder();
        Preprocessor preprocessor = new Preprocessor(PreprocessConfig.torchvisionDefault());
        float[] input = new float[preprocessor.config().valuesPerImage()];
        List<RgbImage> decoded = new ArrayList<>();
        for (byte[] file : files) {
            decoded.add(decoder.decode(file));
        }

        Pass full = () -> {
            double checksum = 0;
            for (byte[] file : files) {
                preprocessor.toChw(decoder.decode(file), input, 0);
                checksum += input[0];
            }
            return checksum;
        };
        Pass decodeOnly = () -> {
            double checksum = 0;
            for (byte[] file : files) {
                checksum += decoder.decode(file).pixels()[0];
            }
            return checksum;
        };
        Pass preprocessOnly = () -> {
            double checksum = 0;
            for (RgbImage image : decoded) {
                preprocessor.toChw(image, input, 0);
                checksum += input[0];
            }
            return checksum;
        };
        // What the scoring path does on the host since the engine normalises: uint8 resize + crop.
        Pass fullToPixels = () -> {
            double checksum = 0;
            for (byte[] file : files) {
                checksum += preprocessor.resizeAndCrop(decoder.decode(file)).pixels()[0];
            }
            return checksum;
        };
        Pass preprocessToPixels = () -> {
            double checksum = 0;
            for (RgbImage image : decoded) {
                checksum += preprocessor.resizeAndCrop(image).pixels()[0];
            }
            return checksum;
        };

        // The float and uint8 paths alternate round by round, so that load from other processes
        // hits both alike; their difference is the host time the uint8 path saves.
        double[] fulls = bestRates(List.of(full, fullToPixels), files.size(), warmup, rounds);
        double[] preprocessed = bestRates(List.of(preprocessOnly, preprocessToPixels), files.size(), warmup, rounds);
        StringBuilder json = new StringBuilder();
        json.append(String.format(Locale.ROOT,
                "{\"engine\": \"java\", \"java\": \"%s\", \"threads\": 1, \"images\": %d, \"images_per_s\": %.1f, "
                        + "\"decode_images_per_s\": %.1f, \"preprocess_images_per_s\": %.1f, "
                        + "\"uint8_images_per_s\": %.1f, \"preprocess_uint8_images_per_s\": %.1f",
                System.getProperty("java.version"), files.size(),
                fulls[0], bestRate(decodeOnly, files.size(), warmup, rounds), preprocessed[0], fulls[1],
                preprocessed[1]));
        if (compareReaders) {
            Pass imageIoRead = () -> {
                double checksum = 0;
                for (byte[] file : files) {
                    BufferedImage image = ImageIO.read(new ByteArrayInputStream(file));
                    checksum += image.getRaster().getSample(0, 0, 0);
                }
                return checksum;
            };
            json.append(String.format(Locale.ROOT, ", \"imageio_read_images_per_s\": %.1f",
                    bestRate(imageIoRead, files.size(), warmup, rounds)));
        }
        System.out.println(json.append('}'));
    }

    /** One timed pass over all files; returns a checksum so that the JIT cannot drop the work. */
    @FunctionalInterface
    private interface Pass {
        double run() throws InvalidImageException, IOException;
    }

    private static double bestRate(Pass pass, int images, int warmup, int rounds) throws Exception {
        return bestRates(List.of(pass), images, warmup, rounds)[0];
    }

    /** The best rate of each pass, the passes taking turns in every warm-up and timed round. */
    private static double[] bestRates(List<Pass> passes, int images, int warmup, int rounds) throws Exception {
        double sink = 0;
        for (int i = 0; i < warmup; i++) {
            for (Pass pass : passes) {
                sink += pass.run();
            }
        }
        long[] best = new long[passes.size()];
        java.util.Arrays.fill(best, Long.MAX_VALUE);
        for (int i = 0; i < rounds; i++) {
            for (int p = 0; p < passes.size(); p++) {
                long start = System.nanoTime();
                sink += passes.get(p).run();
                best[p] = Math.min(best[p], System.nanoTime() - start);
            }
        }
        if (Double.isNaN(sink)) {
            System.err.println("(checksum " + sink + ")");
        }
        return java.util.Arrays.stream(best).mapToDouble(nanos -> images / (nanos / 1e9)).toArray();
    }

    private static List<byte[]> readJpegs(Path dir) throws IOException {
        List<byte[]> files = new ArrayList<>();
        try (Stream<Path> paths = Files.list(dir)) {
            for (Path path : paths.filter(p -> p.toString().endsWith(".jpg")).sorted().toList()) {
                files.add(Files.readAllBytes(path));
            }
        }
        return files;
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            usage(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    private static int positive(String text, String name) {
        int v = Integer.parseInt(text);
        if (v < 1) {
            usage(name + " must be >= 1, got " + v);
        }
        return v;
    }

    private static void usage(String problem) {
        System.err.println("DecodeBenchmark: " + problem);
        System.err.println("usage: DecodeBenchmark --dir DIR [--rounds 3] [--warmup 2] [--compare-readers]");
        System.exit(2);
    }
}
