package io.resnetspark.model;

/**
 * The two residual blocks of the ResNet paper. {@code expansion} is the ratio of a block's output
 * width to its {@code planes}; the channel arithmetic {@code planes * expansion} lives here and in
 * the blocks only.
 */
public enum ResidualBlockType {
    /** Two 3x3 convolutions (ResNet-18/34). */
    BASIC(1),
    /** 1x1 reduce, 3x3 carrying the stride, 1x1 expand by 4 (ResNet-50/101/152). */
    BOTTLENECK(4);

    private final int expansion;

    ResidualBlockType(int expansion) {
        this.expansion = expansion;
    }

    public int expansion() {
        return expansion;
    }

    /** Output channels of a block with {@code planes} inner planes. */
    public int outputChannels(int planes) {
        return planes * expansion;
    }

    ResidualBlock create(int inChannels, int planes, int stride, ConvBatchNorm downsample) {
        return this == BASIC
                ? new BasicBlock(inChannels, planes, stride, downsample)
                : new Bottleneck(inChannels, planes, stride, downsample);
    }
}
