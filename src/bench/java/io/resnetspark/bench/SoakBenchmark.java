package io.resnetspark.bench;

import ai.djl.Device;
import io.resnetspark.engine.PyTorchRuntime;
import io.resnetspark.image.ImageDecoder;
import io.resnetspark.image.PreprocessConfig;
import io.resnetspark.image.Preprocessor;
import io.resnetspark.image.RgbImage;
import io.resnetspark.model.ResNetArchitecture;
import io.resnetspark.model.ResNetModel;
import io.resnetspark.model.ResNetSpec;
import io.resnetspark.spark.ModelOutput;
import io.resnetspark.spark.ScoringService;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Memory over a long run of the executor's scoring path: JPEGs decoded and resized to uint8 once,
 * then {@code --images} of them (cycling) submitted by two task-like threads to one model owner,
 * which assembles batches into its two direct buffers and runs the model. Every {@code --every}
 * images it prints the process's resident set (VmRSS), the JVM's direct buffers and heap in use,
 * and the share of the time the owner thread waited for an assembled batch.
 * The line to read is the last: RSS at the end against RSS after the first sample, same run.
 * Run by jobs/benchmark-soak.
 */
@Command(name = "benchmark-soak", mixinStandardHelpOptions = true,
        description = "RSS, direct and heap memory over a long scoring run through the model owner.")
public final class SoakBenchmark implements Callable<Integer> {

    @Option(names = "--dir", required = true, description = "Directory of JPEG files.")
    Path dir;

    @Option(names = "--arch", defaultValue = "resnet18")
    String arch;

    @Option(names = "--images", defaultValue = "20000")
    int images;

    @Option(names = "--batch-size", defaultValue = "32")
    int batchSize;

    @Option(names = "--every", defaultValue = "2000")
    int every;

    @Override
    public Integer call() throws Exception {
        PreprocessConfig preprocessing = PreprocessConfig.torchvisionDefault();
        Preprocessor preprocessor = new Preprocessor(preprocessing);
        ImageDecoder decoder = new ImageDecoder();
        List<RgbImage> pixels = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".jpg")).sorted().toList()) {
                pixels.add(preprocessor.resizeAndCrop(decoder.decode(Files.readAllBytes(file))));
            }
        }
        System.out.printf(Locale.ROOT, "%s, %d images cycling over %d decoded JPEGs, batch %d, two submitting threads%n",
                arch, images, pixels.size(), batchSize);
        System.out.printf(Locale.ROOT, "%8s %10s %10s %10s %10s %11s%n", "images", "RSS MB", "direct MB", "heap MB", "img/s",
                "owner idle");
        try (ResNetModel model = ResNetModel.seeded(ResNetSpec.imagenet(ResNetArchitecture.fromName(arch)), 0,
                Device.cpu()); ScoringService owner = new ScoringService(model, batchSize, Integer.MAX_VALUE)) {
            // Futures in submission order, awaited by this thread as a task's iterator would.
            BlockingQueue<CompletableFuture<ModelOutput>> inFlight = new ArrayBlockingQueue<>(4 * batchSize);
            Thread[] producers = new Thread[2];
            for (int t = 0; t < producers.length; t++) {
                int first = t;
                producers[t] = new Thread(() -> {
                    try {
                        for (int i = first; i < images; i += producers.length) {
                            inFlight.put(owner.submit(pixels.get(i % pixels.size()), preprocessing));
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                producers[t].start();
            }
            double firstRss = 0;
            ScoringService.OwnerStats begin = owner.stats();
            long start = System.nanoTime();
            for (int done = 1; done <= images; done++) {
                inFlight.take().join();
                if (done % every == 0) {
                    double rss = rssMegabytes();
                    firstRss = firstRss == 0 ? rss : firstRss;
                    System.out.printf(Locale.ROOT, "%8d %10.0f %10.1f %10.0f %10.1f %10.1f%%%n", done, rss, directMegabytes(),
                            heapMegabytes(), done / ((System.nanoTime() - start) / 1e9),
                            100 * owner.stats().idleFractionSince(begin));
                }
            }
            for (Thread producer : producers) {
                producer.join();
            }
            double lastRss = rssMegabytes();
            System.out.printf(Locale.ROOT, "RSS after %d images / after %d: %.0f / %.0f MB = %.3f%n", images, every,
                    lastRss, firstRss, lastRss / firstRss);
        }
        return 0;
    }

    private static double rssMegabytes() throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.trim().split("\\s+")[1]) / 1024.0;
            }
        }
        return Double.NaN;
    }

    private static double directMegabytes() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum() / 1e6;
    }

    private static double heapMegabytes() {
        Runtime runtime = Runtime.getRuntime();
        return (runtime.totalMemory() - runtime.freeMemory()) / 1e6;
    }

    public static void main(String[] args) {
        PyTorchRuntime.engine();
        System.exit(new CommandLine(new SoakBenchmark()).execute(args));
    }
}
