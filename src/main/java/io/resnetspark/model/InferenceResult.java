package io.resnetspark.model;

import java.util.Arrays;

/**
 * Output of one forward pass over a batch, copied to the Java heap: row-major logits
 * (batch x numClasses) and pooled penultimate features (batch x featureSize).
 */
public record InferenceResult(int batchSize, int numClasses, float[] logits, int featureSize, float[] features) {

    /** Logits of row {@code i}. */
    public float[] logitsOf(int i) {
        return Arrays.copyOfRange(logits, i * numClasses, (i + 1) * numClasses);
    }

    /** Pooled features (the embedding) of row {@code i}. */
    public float[] featuresOf(int i) {
        return Arrays.copyOfRange(features, i * featureSize, (i + 1) * featureSize);
    }
}
