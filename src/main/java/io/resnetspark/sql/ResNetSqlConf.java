package io.resnetspark.sql;

import io.resnetspark.engine.DeviceChoice;
import io.resnetspark.model.Precision;
import io.resnetspark.model.ResNetArchitecture;
import io.resnetspark.spark.ResNetTransformer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.internal.SQLConf;

/**
 * The session settings the SQL functions read (set them with {@code SET key=value}, {@code
 * --conf}, or the builder), with the transformer's defaults. Read when a query is analyzed.
 */
public final class ResNetSqlConf {

    public static final String WEIGHTS = "spark.resnet.weights";
    public static final String ARCH = "spark.resnet.arch";
    public static final String NUM_CLASSES = "spark.resnet.numClasses";
    public static final String SEED = "spark.resnet.seed";
    public static final String DEVICE = "spark.resnet.device";
    public static final String PRECISION = "spark.resnet.precision";
    public static final String BATCH_SIZE = "spark.resnet.batchSize";
    public static final String NUM_THREADS = "spark.resnet.numThreads";
    public static final String MAX_RESIDENT_MODELS = "spark.resnet.maxResidentModels";
    public static final String LABELS = "spark.resnet.labels";
    public static final String RESIZE_SIZE = "spark.resnet.resizeSize";
    public static final String CROP_SIZE = "spark.resnet.cropSize";
    public static final String MAX_IMAGE_PIXELS = "spark.resnet.maxImagePixels";
    public static final String MAX_INVALID_FRACTION = "spark.resnet.maxInvalidFraction";

    /** Key, default, meaning: the table the README and {@code jobs/sql --help} print. */
    public static final Map<String, String[]> KEYS = new LinkedHashMap<>();

    static {
        KEYS.put(WEIGHTS, new String[] {"", "torchvision state_dict (.safetensors/.npz), any Hadoop URI; empty: seeded random weights"});
        KEYS.put(ARCH, new String[] {"resnet50", "resnet18, resnet34, resnet50, resnet101, resnet152"});
        KEYS.put(NUM_CLASSES, new String[] {"1000", "classes of the final layer"});
        KEYS.put(SEED, new String[] {"0", "seed of the random weights used without weights"});
        KEYS.put(DEVICE, new String[] {"auto", "auto, cpu, gpu, gpu:N"});
        KEYS.put(PRECISION, new String[] {"fp32", "fp32, tf32 (GPU), fp16 (GPU); bf16 is refused"});
        KEYS.put(BATCH_SIZE, new String[] {"16", "images per forward pass"});
        KEYS.put(NUM_THREADS, new String[] {"0", "PyTorch intra-op threads per executor (0: PyTorch's default)"});
        KEYS.put(MAX_RESIDENT_MODELS, new String[] {"2", "models an executor keeps loaded at most (least recently used freed)"});
        KEYS.put(LABELS, new String[] {"", "labels file, one per line (any Hadoop URI), for resnet_topk's label"});
        KEYS.put(RESIZE_SIZE, new String[] {"256", "torchvision Resize of the shorter side; 0: none"});
        KEYS.put(CROP_SIZE, new String[] {"224", "torchvision CenterCrop; 0: none"});
        KEYS.put(MAX_IMAGE_PIXELS, new String[] {"178956970", "larger images are invalid (decompression bombs)"});
        KEYS.put(MAX_INVALID_FRACTION, new String[] {"1.0", "a task fails when more than this share of its rows are invalid"});
    }

    private ResNetSqlConf() {}

    static String get(SQLConf conf, String key) {
        return conf.getConfString(key, KEYS.get(key)[0]).trim();
    }

    /** Null when the settings are usable, else what is wrong, naming the key. */
    static String validate(SQLConf conf) {
        String arch = get(conf, ARCH);
        if (Arrays.stream(ResNetArchitecture.values()).noneMatch(a -> a.modelName().equals(arch.toLowerCase(Locale.ROOT)))) {
            return "unknown architecture " + ARCH + "='" + arch + "'; known: " + ResNetArchitecture.knownNames();
        }
        try {
            DeviceChoice.parse(get(conf, DEVICE));
        } catch (IllegalArgumentException e) {
            return DEVICE + "='" + get(conf, DEVICE) + "': " + e.getMessage();
        }
        try {
            Precision.parse(get(conf, PRECISION));
        } catch (IllegalArgumentException e) {
            return PRECISION + "='" + get(conf, PRECISION) + "': " + e.getMessage();
        }
        String problem = positiveInt(conf, NUM_CLASSES, 1);
        problem = problem != null ? problem : positiveInt(conf, BATCH_SIZE, 1);
        problem = problem != null ? problem : positiveInt(conf, RESIZE_SIZE, 0);
        problem = problem != null ? problem : positiveInt(conf, CROP_SIZE, 0);
        problem = problem != null ? problem : positiveInt(conf, NUM_THREADS, 0);
        problem = problem != null ? problem : positiveInt(conf, MAX_RESIDENT_MODELS, 1);
        if (problem != null) {
            return problem;
        }
        try {
            Long.parseLong(get(conf, SEED));
            if (Long.parseLong(get(conf, MAX_IMAGE_PIXELS)) <= 0) {
                return MAX_IMAGE_PIXELS + " must be > 0";
            }
            double fraction = Double.parseDouble(get(conf, MAX_INVALID_FRACTION));
            if (!(fraction >= 0 && fraction <= 1)) {
                return MAX_INVALID_FRACTION + " must be in [0, 1], got " + fraction;
            }
        } catch (NumberFormatException e) {
            return "not a number: " + e.getMessage() + " (" + SEED + ", " + MAX_IMAGE_PIXELS + ", " + MAX_INVALID_FRACTION + ")";
        }
        return null;
    }

    private static String positiveInt(SQLConf conf, String key, int min) {
        String value = get(conf, key);
        try {
            if (Integer.parseInt(value) >= min) {
                return null;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        return key + "='" + value + "' must be an integer >= " + min;
    }

    /**
     * A transformer configured from the session settings (handleInvalid=keep: an invalid image
     * gives null results and its reason).
     */
    static ResNetTransformer transformer(SQLConf conf) {
        String problem = validate(conf);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        ResNetTransformer t = new ResNetTransformer()
                .setArchitecture(get(conf, ARCH).toLowerCase(Locale.ROOT))
                .setNumClasses(Integer.parseInt(get(conf, NUM_CLASSES)))
                .setWeightsPath(get(conf, WEIGHTS))
                .setSeed(Long.parseLong(get(conf, SEED)))
                .setDevice(get(conf, DEVICE))
                .setPrecision(get(conf, PRECISION))
                .setBatchSize(Integer.parseInt(get(conf, BATCH_SIZE)))
                .setNumThreads(Integer.parseInt(get(conf, NUM_THREADS)))
                .setMaxResidentModels(Integer.parseInt(get(conf, MAX_RESIDENT_MODELS)))
                .setLabelsPath(get(conf, LABELS))
                .setResizeSize(Integer.parseInt(get(conf, RESIZE_SIZE)))
                .setCropSize(Integer.parseInt(get(conf, CROP_SIZE)))
                .setMaxImagePixels(Long.parseLong(get(conf, MAX_IMAGE_PIXELS)))
                .setHandleInvalid("keep")
                .setMaxInvalidFraction(Double.parseDouble(get(conf, MAX_INVALID_FRACTION)));
        return t;
    }
}
