package io.resnetspark.cli;

import io.resnetspark.model.ResNetModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code resnet bench}: forward throughput of this model, one JSON line per batch size, in the
 * same shape as bench/torchvision_forward.py prints, so jobs/benchmark-forward can compare them.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Time forward passes (random input, after warm-up) and print one JSON line per"
                + " batch size: images/s, median seconds per batch, peak RSS.")
final class BenchCommand implements Callable<Integer> {

    @Mixin ModelOptions model;

    @Option(names = "--batch-sizes", defaultValue = "1,8,32", split = ",", description = "Default: ${DEFAULT-VALUE}.")
    int[] batchSizes;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed passes per batch size (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--iters", defaultValue = "5", description = "Timed passes per batch size (default: ${DEFAULT-VALUE}).")
    int iters;

    @Option(names = "--min-images", defaultValue = "0",
            description = "Raise the timed passes so that at least this many images are timed (default: ${DEFAULT-VALUE}).")
    int minImages;

    @Option(names = "--size", defaultValue = "224", description = "Input height and width (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--profile", paramLabel = "TRACE.json",
            description = "Record PyTorch's operator profile of the timed passes (Chrome trace format);"
                    + " bench/profile_summary.py sums it per operator.")
    java.nio.file.Path profile;

    @Override
    public Integer call() throws Exception {
        try (ResNetModel resnet = model.open()) {
            SplittableRandom random = new SplittableRandom(1);
            for (int batch : batchSizes) {
                long[] shape = {batch, resnet.spec().inChannels(), size, size};
                float[] input = new float[Math.toIntExact(batch * shape[1] * size * size)];
                for (int i = 0; i < input.length; i++) {
                    input[i] = (float) random.nextGaussian();
                }
                for (int i = 0; i < warmup; i++) {
                    resnet.forward(input, shape);
                }
                int passes = Math.max(iters, (minImages + batch - 1) / batch);
                if (profile != null) {
                    ai.djl.pytorch.jni.JniUtils.startProfile(false, false, false);
                }
                List<Double> seconds = new ArrayList<>();
                long start = System.nanoTime();
                for (int i = 0; i < passes; i++) {
                    long t0 = System.nanoTime();
                    resnet.forward(input, shape);
                    seconds.add((System.nanoTime() - t0) / 1e9);
                }
                double total = (System.nanoTime() - start) / 1e9;
                if (profile != null) {
                    String name = profile.getFileName().toString().replace(".json", "") + "-batch" + batch + ".json";
                    ai.djl.pytorch.jni.JniUtils.stopProfile(profile.resolveSibling(name).toString());
                }
                System.out.println(String.format(Locale.ROOT,
                        "{\"engine\": \"resnet-spark\", \"arch\": \"%s\", \"batch\": %d, \"threads\": %d,"
                                + " \"iters\": %d, \"images_per_s\": %.3f, \"seconds_per_iter_median\": %.5f,"
                                + " \"peak_rss_mb\": %.1f}",
                        resnet.spec().architecture(), batch, model.threads, passes,
                        batch * passes / total, median(seconds), peakRssMegabytes()));
                System.out.flush();
            }
        }
        return 0;
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** Peak resident set size of this process (Linux VmHWM), JVM heap included. */
    private static double peakRssMegabytes() throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                String[] parts = line.trim().split("\\s+");
                return Long.parseLong(parts[1]) / 1024.0;
            }
        }
        return Double.NaN;
    }
}
