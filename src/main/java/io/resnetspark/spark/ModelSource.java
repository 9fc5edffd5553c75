package io.resnetspark.spark;

import io.resnetspark.model.ResNetArchitecture;
import io.resnetspark.model.ResNetSpec;
import io.resnetspark.options.ScoringOptions;
import io.resnetspark.options.ScoringSettings;
import java.io.Serializable;

/**
 * Which model a scoring task needs, resolved on the driver: architecture, classes, the weights
 * (URI and SHA-256 fingerprint, or a seed for random weights), the requested device and PyTorch's
 * intra-op thread count. Small and serializable: it travels with every task.
 *
 * @param weightsUri a Hadoop-readable URI, or null for seeded random weights
 * @param fingerprint {@code sha256:<hex>} of the weights file, or {@code seed:<n>}
 */
public record ModelSource(
        String architecture,
        int numClasses,
        String weightsUri,
        String fingerprint,
        long seed,
        String device,
        int intraOpThreads)
        implements Serializable {

    /** The precision the model computes in; a key part so reduced precision can live alongside. */
    public static final String PRECISION = "fp32";

    /** The model {@code options} select, with the weights' fingerprint resolved on the driver. */
    public static ModelSource of(ScoringOptions options, String fingerprint) {
        return new ModelSource(options.get(ScoringSettings.ARCH), options.get(ScoringSettings.NUM_CLASSES),
                options.optional(ScoringSettings.WEIGHTS).orElse(null), fingerprint, options.get(ScoringSettings.SEED),
                options.get(ScoringSettings.DEVICE), options.get(ScoringSettings.NUM_THREADS));
    }

    public ResNetSpec spec() {
        return new ResNetSpec(ResNetArchitecture.fromName(architecture), numClasses, 3);
    }

    boolean seeded() {
        return weightsUri == null;
    }

    /** What makes two models the same in one executor: weights, architecture, device, precision. */
    String hostKey(String resolvedDevice) {
        return String.join("|", fingerprint, architecture, Integer.toString(numClasses), resolvedDevice, PRECISION);
    }
}
