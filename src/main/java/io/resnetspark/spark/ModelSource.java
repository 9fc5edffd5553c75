package io.resnetspark.spark;

import io.resnetspark.engine.DeviceChoice;
import io.resnetspark.model.Precision;
import io.resnetspark.model.ResNetArchitecture;
import io.resnetspark.model.ResNetSpec;
import io.resnetspark.options.ScoringOptions;
import io.resnetspark.options.ScoringSettings;
import java.io.Serializable;

/**
 * Which model a scoring task needs, resolved on the driver: architecture, classes, the weights
 * (URI and SHA-256 fingerprint, or a seed for random weights), the requested device, PyTorch's
 * intra-op thread count, the precision, and how many models an executor may keep resident. Small
 * and serializable: it travels with every task.
 *
 * @param weightsUri a Hadoop-readable URI, or null for seeded random weights
 * @param fingerprint {@code sha256:<hex>} of the weights file, or {@code seed:<n>}
 * @param device {@code auto}, {@code cpu}, {@code gpu} or {@code gpu:N}
 * @param precision {@code fp32}, {@code tf32} or {@code fp16} ({@link Precision})
 * @param maxResidentModels models an executor keeps loaded at most ({@link ExecutorModelHost})
 */
public record ModelSource(
        String architecture,
        int numClasses,
        String weightsUri,
        String fingerprint,
        long seed,
        String device,
        int intraOpThreads,
        String precision,
        int maxResidentModels)
        implements Serializable {

    /** The default bound on resident models per executor (the setting's default). */
    public static final int DEFAULT_MAX_RESIDENT_MODELS = ScoringSettings.MAX_RESIDENT_MODELS.defaultValue();

    /**
     * @throws IllegalArgumentException for an unknown device or precision, a refused precision, or a
     *     bound below 1
     * @throws io.resnetspark.engine.GpuUnavailableException for {@code device=gpu} with the CPU build
     */
    public ModelSource {
        DevicePlacement.requireBuildServes(DeviceChoice.parse(device));
        Precision.parse(precision);
        if (maxResidentModels < 1) {
            throw new IllegalArgumentException("maxResidentModels must be >= 1, got " + maxResidentModels);
        }
    }

    /** A source computing in fp32, with the default bound on resident models. */
    public ModelSource(String architecture, int numClasses, String weightsUri, String fingerprint, long seed,
            String device, int intraOpThreads) {
        this(architecture, numClasses, weightsUri, fingerprint, seed, device, intraOpThreads,
                Precision.FP32.toString(), DEFAULT_MAX_RESIDENT_MODELS);
    }

    /** The model {@code options} select, with the weights' fingerprint resolved on the driver. */
    public static ModelSource of(ScoringOptions options, String fingerprint) {
        return new ModelSource(options.get(ScoringSettings.ARCH), options.get(ScoringSettings.NUM_CLASSES),
                options.optional(ScoringSettings.WEIGHTS).orElse(null), fingerprint, options.get(ScoringSettings.SEED),
                options.get(ScoringSettings.DEVICE), options.get(ScoringSettings.NUM_THREADS),
                options.get(ScoringSettings.PRECISION), options.get(ScoringSettings.MAX_RESIDENT_MODELS));
    }

    public ResNetSpec spec() {
        return new ResNetSpec(ResNetArchitecture.fromName(architecture), numClasses, 3);
    }

    Precision parsedPrecision() {
        return Precision.parse(precision);
    }

    boolean seeded() {
        return weightsUri == null;
    }

    /** What makes two models the same in one executor: weights, architecture, device, precision. */
    String hostKey(String resolvedDevice) {
        return String.join("|", fingerprint, architecture, Integer.toString(numClasses), resolvedDevice,
                parsedPrecision().toString());
    }
}
