package io.resnetspark.model;

/**
 * What defines a ResNet's shape: the architecture, the number of classes of the final layer and
 * the number of input channels (3 for RGB).
 */
public record ResNetSpec(ResNetArchitecture architecture, int numClasses, int inChannels) {

    public ResNetSpec {
        if (architecture == null) {
            throw new IllegalArgumentException("architecture is required");
        }
        if (numClasses < 1) {
            throw new IllegalArgumentException("number of classes must be >= 1, got " + numClasses);
        }
        if (inChannels < 1) {
            throw new IllegalArgumentException("input channels must be >= 1, got " + inChannels);
        }
    }

    /** An RGB ImageNet-style network: 1000 classes, 3 input channels. */
    public static ResNetSpec imagenet(ResNetArchitecture architecture) {
        return new ResNetSpec(architecture, 1000, 3);
    }

    @Override
    public String toString() {
        return architecture.modelName() + "(classes=" + numClasses + ", inChannels=" + inChannels + ")";
    }
}
