package io.resnetspark.options;

import static io.resnetspark.options.FrontEnd.JOB;
import static io.resnetspark.options.FrontEnd.TRANSFORMER;

import io.resnetspark.engine.DeviceChoice;
import io.resnetspark.image.ImageDecoder;
import io.resnetspark.image.PreprocessConfig;
import io.resnetspark.model.Precision;
import io.resnetspark.model.ResNetArchitecture;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Every scoring setting, once. Adding a setting means adding it here and using it; the
 * transformer's params, the {@code spark.resnet.*} session settings, the job's HOCON keys and
 * their documentation follow from this table.
 */
public final class ScoringSettings {

    private static final String MODEL = "model";
    private static final String PREPROCESSING = "model.preprocessing";

    public static final Setting<String> ARCH = Setting.builder("arch", ValueType.STRING, "resnet50")
            .doc("the network")
            .rule(Rule.oneOf(Arrays.stream(ResNetArchitecture.values()).map(ResNetArchitecture::modelName)
                    .collect(Collectors.toList())))
            .canonical(name -> name.toLowerCase(Locale.ROOT))
            .everywhere(MODEL).alias(TRANSFORMER, "architecture")
            .build();

    public static final Setting<Integer> NUM_CLASSES = Setting.builder("numClasses", ValueType.INT, 1000)
            .doc("classes of the final layer")
            .rule(Rule.atLeast(1))
            .everywhere(MODEL)
            .build();

    public static final Setting<String> WEIGHTS = Setting.builder("weights", ValueType.STRING, "")
            .doc("torchvision state_dict (.safetensors or .npz), any Hadoop URI (file, hdfs, s3a); empty: seeded"
                    + " random weights, NOT pretrained")
            .everywhere(MODEL).alias(TRANSFORMER, "weightsPath")
            .build();

    public static final Setting<Long> SEED = Setting.builder("seed", ValueType.LONG, 0L)
            .doc("seed of the random weights used when no weights are given")
            .everywhere(MODEL)
            .build();

    public static final Setting<String> DEVICE = Setting.builder("device", ValueType.STRING, "auto")
            .doc("where the model runs; auto: the GPU Spark assigned to the task, else the CPU")
            .rule(Rule.parsedBy(DeviceChoice::parse, "must be auto, cpu, gpu or gpu:N"))
            .canonical(choice -> choice.toLowerCase(Locale.ROOT))
            .everywhere(MODEL)
            .build();

    public static final Setting<String> PRECISION = Setting.builder("precision", ValueType.STRING, "fp32")
            .doc("what the network computes in: fp32 (on Ampere and newer GPUs TF32 unless the executors run with"
                    + " NVIDIA_TF32_OVERRIDE=0), tf32 (GPU), fp16 (GPU); bf16 is refused")
            .rule(Rule.parsedBy(Precision::parse, "must be fp32, tf32 or fp16"))
            .canonical(precision -> precision.toLowerCase(Locale.ROOT))
            .everywhere(MODEL)
            .build();

    public static final Setting<Integer> BATCH_SIZE = Setting.builder("batchSize", ValueType.INT, 16)
            .doc("images per forward pass")
            .rule(Rule.atLeast(1))
            .everywhere(MODEL)
            .build();

    public static final Setting<Integer> NUM_THREADS = Setting.builder("numThreads", ValueType.INT, 0)
            .doc("PyTorch intra-op threads per executor; 0: PyTorch's default (the first model loaded in a JVM"
                    + " fixes it)")
            .rule(Rule.atLeast(0))
            .everywhere(MODEL).alias(JOB, "model.threads")
            .build();

    public static final Setting<Integer> MAX_RESIDENT_MODELS = Setting.builder("maxResidentModels", ValueType.INT, 2)
            // Room for a switch of weights without piling models up on a long-running server's GPU.
            .doc("models an executor keeps loaded at most; the least recently used one no task holds is freed")
            .rule(Rule.atLeast(1))
            .everywhere(MODEL)
            .build();

    public static final Setting<Integer> RESIZE_SIZE = Setting.builder("resizeSize", ValueType.INT, 256)
            .doc("torchvision Resize: the shorter side, antialiased bilinear exactly as Pillow; 0: no resize")
            .rule(Rule.between(0, PreprocessConfig.MAX_SIDE))
            .everywhere(PREPROCESSING).alias(JOB, "model.preprocessing.resize")
            .build();

    public static final Setting<Integer> CROP_SIZE = Setting.builder("cropSize", ValueType.INT, 224)
            .doc("torchvision CenterCrop to this square; 0: no crop")
            .rule(Rule.between(0, PreprocessConfig.MAX_SIDE))
            .everywhere(PREPROCESSING).alias(JOB, "model.preprocessing.crop")
            .build();

    public static final Setting<Boolean> NORMALIZE = Setting.builder("normalize", ValueType.BOOLEAN, true)
            .doc("torchvision Normalize(mean, std) after scaling to [0, 1]")
            .everywhere(PREPROCESSING)
            .build();

    public static final Setting<double[]> MEAN = Setting.builder("mean", ValueType.NUMBERS, new double[] {0.485, 0.456, 0.406})
            .doc("per-channel mean for normalize (ImageNet's by default)")
            .rule(Rule.threeFinite())
            .everywhere(PREPROCESSING)
            .build();

    public static final Setting<double[]> STD = Setting.builder("std", ValueType.NUMBERS, new double[] {0.229, 0.224, 0.225})
            .doc("per-channel standard deviation for normalize (ImageNet's by default)")
            .rule(Rule.threePositive())
            .everywhere(PREPROCESSING)
            .build();

    public static final Setting<Long> MAX_IMAGE_PIXELS = Setting.builder("maxImagePixels", ValueType.LONG,
                    ImageDecoder.DEFAULT_MAX_PIXELS)
            .doc("images with more pixels are refused from their header, before decoding (decompression bombs)")
            .rule(Rule.atLeast(1L))
            .everywhere(PREPROCESSING)
            .build();

    public static final Setting<String> HIGH_BIT_DEPTH = Setting.builder("highBitDepth", ValueType.STRING, "clip")
            .doc("how single-channel 16-bit, 32-bit and float images become 8-bit: clip (Pillow's convert(\"RGB\"),"
                    + " torchvision parity) or scale (integers keep their top 8 bits, floats map 0..1 to 0..255)")
            .rule(Rule.oneOf(List.of("clip", "scale")))
            .canonical(choice -> choice.toLowerCase(Locale.ROOT))
            .everywhere(PREPROCESSING)
            .build();

    public static final Setting<String> LABELS = Setting.builder("labels", ValueType.STRING, "")
            .doc("text file with one class label per line (any Hadoop URI) for the top-k labels; empty: index only")
            .everywhere("outputs").alias(TRANSFORMER, "labelsPath")
            .build();

    public static final Setting<String> HANDLE_INVALID = Setting.builder("handleInvalid", ValueType.STRING, "keep")
            .doc("rows whose image cannot be scored: keep them (null outputs, the reason in the error column), skip"
                    + " (drop) them, or error (fail the job)")
            .rule(Rule.oneOf(List.of("keep", "skip", "error")))
            .canonical(policy -> policy.toLowerCase(Locale.ROOT))
            .transformer()
            .build();

    public static final Setting<Double> MAX_INVALID_FRACTION = Setting.builder("maxInvalidFraction", ValueType.DOUBLE, 1.0)
            .doc("a task fails when more than this share of its rows is invalid (1.0: never); the job's whole-run"
                    + " budget is run.max-invalid-fraction")
            .rule(Rule.fraction())
            .transformer().sql()
            .build();

    public static final Setting<Integer> LOG_EVERY_BATCHES = Setting.builder("logEveryBatches", ValueType.INT, 20)
            .doc("executors log their throughput every this many batches")
            .rule(Rule.atLeast(1))
            .everywhere("progress")
            .build();

    /** Every setting, in the order the documentation lists them. */
    public static final List<Setting<?>> ALL = List.of(ARCH, NUM_CLASSES, WEIGHTS, SEED, DEVICE, PRECISION,
            BATCH_SIZE, NUM_THREADS, MAX_RESIDENT_MODELS, RESIZE_SIZE, CROP_SIZE, NORMALIZE, MEAN, STD,
            MAX_IMAGE_PIXELS, HIGH_BIT_DEPTH, LABELS, HANDLE_INVALID, MAX_INVALID_FRACTION, LOG_EVERY_BATCHES);

    private ScoringSettings() {}

    /** The settings {@code frontEnd} offers, in documentation order. */
    public static List<Setting<?>> of(FrontEnd frontEnd) {
        return ALL.stream().filter(s -> s.in(frontEnd)).collect(Collectors.toList());
    }

    /** The setting with this canonical name. */
    public static Optional<Setting<?>> named(String name) {
        return ALL.stream().filter(s -> s.name().equals(name)).findFirst();
    }
}
