package io.resnetspark.model;

/** This model serves inference only: BatchNorm uses running statistics and nothing is trained. */
final class InferenceOnly {

    private InferenceOnly() {}

    static void check(boolean training) {
        if (training) {
            throw new UnsupportedOperationException(
                    "this ResNet is built for inference only (BatchNorm in eval mode); training is"
                            + " not supported");
        }
    }
}
