package io.resnetspark.cli;

import ai.djl.Device;
import io.resnetspark.engine.CudaHost;
import io.resnetspark.engine.GpuPreflight;
import io.resnetspark.engine.NativeBuild;
import io.resnetspark.engine.PyTorchRuntime;
import io.resnetspark.image.PreprocessConfig;
import io.resnetspark.image.RgbImage;
import io.resnetspark.model.InferenceResult;
import io.resnetspark.model.PixelNormalization;
import io.resnetspark.model.Precision;
import io.resnetspark.model.ResNetArchitecture;
import io.resnetspark.model.ResNetModel;
import io.resnetspark.model.ResNetSpec;
import io.resnetspark.spark.ModelOutput;
import io.resnetspark.spark.ScoringService;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code resnet gpu-check} (jobs/gpu-check): what a GPU host offers this build, then, when it has a
 * usable GPU, seeded-weights parity GPU vs CPU (fp32, fp16), images/s with the owner thread's idle
 * fraction at growing batches, and the out-of-memory back-off from a batch too large. Exit codes:
 * 0 every check passed; 3 no usable GPU (the report says what is missing); 1 a check failed.
 */
@Command(
        name = "gpu-check",
        mixinStandardHelpOptions = true,
        description = "Report driver, CUDA runtime, cuDNN, GPUs and precision; on a usable GPU also run parity"
                + " GPU vs CPU, throughput and the out-of-memory back-off. Exit codes: 0 all passed, 3 no usable"
                + " GPU, 1 a check failed, 2 bad usage.")
final class GpuCheckCommand implements Callable<Integer> {

    static final int EXIT_NO_GPU = 3;
    private static final ResNetSpec SPEC = ResNetSpec.imagenet(ResNetArchitecture.RESNET50);
    private static final int SIZE = 224;
    private static final PreprocessConfig PREPROCESSING = PreprocessConfig.torchvisionDefault();

    @Option(names = "--batch-sizes", defaultValue = "32,64,128,256", split = ",",
            description = "Batches timed through the model owner (default: ${DEFAULT-VALUE}).")
    int[] batchSizes;

    @Option(names = "--too-large", defaultValue = "4096",
            description = "A batch that cannot fit, to show the back-off (default: ${DEFAULT-VALUE}).")
    int tooLarge;

    @Override
    public Integer call() throws Exception {
        NativeBuild build = PyTorchRuntime.build();
        CudaHost host = CudaHost.system();
        System.out.println("build:          " + build.artifact());
        GpuPreflight.describe(host).forEach(System.out::println);
        System.out.println("TF32:           " + (Precision.tf32Disabled() ? "disabled (" : "allowed (")
                + Precision.TF32_OVERRIDE + "=" + System.getenv(Precision.TF32_OVERRIDE) + "): precision fp32 runs "
                + (Precision.tf32Disabled() ? "in float32" : "cuDNN convolutions in TF32 on Ampere and newer GPUs"));
        List<String> problems = new ArrayList<>(GpuPreflight.problems(host));
        if (!build.isCuda()) {
            problems.add(0, "this is the CPU build (" + build.artifact() + "): build the GPU jar with -Pcu118");
        }
        if (!problems.isEmpty()) {
            System.out.println("result:         no GPU: " + String.join("; ", problems));
            return EXIT_NO_GPU;
        }
        PyTorchRuntime.engine();
        Device gpu = Device.gpu(0);
        System.out.println("devices:        " + PyTorchRuntime.visibleGpus() + " GPU(s); checking " + gpu);
        // Relative to the largest logit; TF32 (a 10-bit mantissa) loosens fp32 to fp16's bound.
        boolean passed = parity(gpu, Precision.FP32, Precision.tf32Disabled() ? 1e-3 : 1e-2)
                & parity(gpu, Precision.FP16, 1e-2);
        throughput(gpu);
        backOff(gpu);
        System.out.println("result:         " + (passed ? "all checks passed" : "a parity check failed"));
        return passed ? 0 : 1;
    }

    /** Seeded weights on the CPU (fp32) and on the GPU in {@code precision}: max logit error, top-1 agreement. */
    private static boolean parity(Device gpu, Precision precision, double tolerance) {
        int batch = 16;
        ByteBuffer pixels = randomPixels(batch, 11);
        PixelNormalization normalization = new PixelNormalization(PREPROCESSING.mean(), PREPROCESSING.std());
        InferenceResult cpu;
        InferenceResult onGpu;
        try (ResNetModel reference = ResNetModel.seeded(SPEC, 5, Device.cpu());
                ResNetModel model = ResNetModel.seeded(SPEC, 5, gpu, precision)) {
            cpu = reference.forwardPixels(pixels, batch, SIZE, SIZE, normalization);
            onGpu = model.forwardPixels(pixels, batch, SIZE, SIZE, normalization);
        }
        double maxError = 0;
        double maxLogit = 0;
        int agree = 0;
        for (int i = 0; i < batch; i++) {
            float[] a = cpu.logitsOf(i);
            float[] b = onGpu.logitsOf(i);
            for (int k = 0; k < a.length; k++) {
                maxError = Math.max(maxError, Math.abs(a[k] - b[k]));
                maxLogit = Math.max(maxLogit, Math.abs(a[k]));
            }
            agree += argmax(a) == argmax(b) ? 1 : 0;
        }
        double relative = maxError / maxLogit;
        boolean ok = relative <= tolerance && agree >= batch - 1; // near-ties of random weights may flip one
        System.out.printf(Locale.ROOT, "parity %s:    max |logit GPU - CPU| %.2e = %.1e of the largest logit"
                        + " (tolerance %.0e), top-1 agreement %d/%d%s%n",
                precision, maxError, relative, tolerance, agree, batch, ok ? "" : "  FAILED");
        return ok;
    }

    /** images/s through the model owner, fed by two submitting threads, with the owner's idle share. */
    private void throughput(Device gpu) throws Exception {
        try (ResNetModel model = ResNetModel.seeded(SPEC, 5, gpu)) {
            RgbImage image = new RgbImage(SIZE, SIZE, randomBytes(SIZE * SIZE * 3, 3));
            for (int batch : batchSizes) {
                try (ScoringService owner = new ScoringService(model, batch, Integer.MAX_VALUE)) {
                    submit(owner, batch * 2, image); // warm-up and kernel selection
                    ScoringService.OwnerStats before = owner.stats();
                    long start = System.nanoTime();
                    submit(owner, batch * 8, image);
                    double seconds = (System.nanoTime() - start) / 1e9;
                    System.out.printf(Locale.ROOT, "batch %4d:     %8.1f images/s, owner idle %4.1f%% (batch limit %d)%n",
                            batch, batch * 8 / seconds, 100 * owner.stats().idleFractionSince(before), owner.batchLimit());
                }
            }
        }
    }

    /** A batch far too large: the owner's warm-up finds the limit by halving, then scores at it. */
    private void backOff(Device gpu) throws Exception {
        try (ResNetModel model = ResNetModel.seeded(SPEC, 5, gpu);
                ScoringService owner = new ScoringService(model, tooLarge, Integer.MAX_VALUE)) {
            submit(owner, 4, new RgbImage(SIZE, SIZE, randomBytes(SIZE * SIZE * 3, 4)));
            System.out.println("back-off:       batch " + tooLarge + " requested, " + owner.batchLimit()
                    + " fits after the out-of-memory back-off; every image scored");
        }
    }

    /** Submits {@code images} copies of {@code image} from two threads, as two tasks would, and waits for all. */
    private static void submit(ScoringService owner, int images, RgbImage image) throws Exception {
        List<CompletableFuture<ModelOutput>> futures = java.util.Collections.synchronizedList(new ArrayList<>());
        Runnable half = () -> {
            try {
                for (int i = 0; i < images / 2; i++) {
                    futures.add(owner.submit(image, PREPROCESSING));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        Thread second = new Thread(half);
        second.start();
        half.run();
        second.join();
        futures.forEach(CompletableFuture::join);
    }

    private static ByteBuffer randomPixels(int batch, long seed) {
        return ByteBuffer.allocateDirect(batch * SIZE * SIZE * 3).put(randomBytes(batch * SIZE * SIZE * 3, seed)).flip();
    }

    private static byte[] randomBytes(int count, long seed) {
        byte[] bytes = new byte[count];
        new SplittableRandom(seed).nextBytes(bytes);
        return bytes;
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
