import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * ResNet forward throughput on ONNX Runtime Java, the peer that bench/forward_benchmark.py runs
 * beside this project's model and torchvision: one JSON line per batch size, in the same shape as
 * {@code jobs/resnet bench} prints. A benchmark program only, run from source
 * ({@code java -cp onnxruntime.jar bench/OnnxRuntimeForward.java ...}); ONNX Runtime is never a
 * dependency of the project's jar.
 *
 * <p>Usage: {@code --model X.onnx --batch-sizes 1,8,32 --threads N --warmup W --iters I
 * [--min-images M] [--size 224] [--profile PREFIX]}; {@code --profile} writes ONNX Runtime's trace of
 * the run (Chrome trace JSON: one event per graph node, with its fused operator). The session gets every graph optimisation ONNX Runtime has
 * (ORT_ENABLE_ALL), N intra-op threads and one inter-op thread, as a Java user would configure it
 * for throughput.
 */
public final class OnnxRuntimeForward {

    public static void main(String[] args) throws Exception {
        Path model = null;
        int[] batches = {1, 8, 32};
        int threads = Runtime.getRuntime().availableProcessors();
        int warmup = 2;
        int iters = 5;
        int minImages = 0;
        int size = 224;
        String profile = null;
        for (int i = 0; i < args.length; i += 2) {
            String value = args[i + 1];
            switch (args[i]) {
                case "--model" -> model = Path.of(value);
                case "--batch-sizes" -> batches = java.util.Arrays.stream(value.split(",")).mapToInt(Integer::parseInt).toArray();
                case "--threads" -> threads = Integer.parseInt(value);
                case "--warmup" -> warmup = Integer.parseInt(value);
                case "--iters" -> iters = Integer.parseInt(value);
                case "--min-images" -> minImages = Integer.parseInt(value);
                case "--size" -> size = Integer.parseInt(value);
                case "--profile" -> profile = value;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (model == null || !Files.isRegularFile(model)) {
            System.err.println("OnnxRuntimeForward: --model must name an .onnx file, got " + model);
            System.exit(2);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        if (profile != null) {
            options.enableProfiling(profile);
        }
        try (OrtSession session = env.createSession(model.toString(), options)) {
            String input = session.getInputNames().iterator().next();
            SplittableRandom random = new SplittableRandom(1);
            for (int batch : batches) {
                float[] values = new float[batch * 3 * size * size];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) random.nextGaussian();
                }
                long[] shape = {batch, 3, size, size};
                try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(values), shape)) {
                    for (int i = 0; i < warmup; i++) {
                        session.run(Map.of(input, tensor)).close();
                    }
                    int passes = Math.max(iters, (minImages + batch - 1) / batch);
                    List<Double> seconds = new ArrayList<>();
                    long start = System.nanoTime();
                    for (int i = 0; i < passes; i++) {
                        long t0 = System.nanoTime();
                        try (OrtSession.Result result = session.run(Map.of(input, tensor))) {
                            float[][] logits = (float[][]) result.get(0).getValue();
                            if (logits.length != batch) {
                                throw new IllegalStateException("expected " + batch + " rows, got " + logits.length);
                            }
                        }
                        seconds.add((System.nanoTime() - t0) / 1e9);
                    }
                    double total = (System.nanoTime() - start) / 1e9;
                    System.out.println(String.format(Locale.ROOT,
                            "{\"engine\": \"onnxruntime\", \"version\": \"%s\", \"batch\": %d, \"threads\": %d,"
                                    + " \"iters\": %d, \"images_per_s\": %.3f, \"seconds_per_iter_median\": %.5f,"
                                    + " \"peak_rss_mb\": %.1f}",
                            env.getVersion(), batch, threads, passes, batch * passes / total, median(seconds),
                            peakRssMegabytes()));
                    System.out.flush();
                }
            }
        }
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double peakRssMegabytes() throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.trim().split("\\s+")[1]) / 1024.0;
            }
        }
        return Double.NaN;
    }
}
