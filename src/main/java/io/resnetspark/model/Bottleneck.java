package io.resnetspark.model;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * ResNet-50/101/152 block: 1x1 convolution reducing to {@code planes}, 3x3 convolution carrying the
 * stride (torchvision's "v1.5": the stride sits on the 3x3, not on the first 1x1), 1x1 convolution
 * expanding to {@code planes * 4}; BatchNorm after each convolution, ReLU after the first two.
 */
final class Bottleneck extends ResidualBlock {

    private final ConvBatchNorm conv1;
    private final ConvBatchNorm conv2;
    private final ConvBatchNorm conv3;

    Bottleneck(int inChannels, int planes, int stride, ConvBatchNorm downsample) {
        super(downsample);
        int outChannels = ResidualBlockType.BOTTLENECK.outputChannels(planes);
        conv1 = addChildBlock("conv1", new ConvBatchNorm("conv1", "bn1", inChannels, planes, 1, 1, 0));
        conv2 = addChildBlock("conv2", new ConvBatchNorm("conv2", "bn2", planes, planes, 3, stride, 1));
        conv3 = addChildBlock("conv3", new ConvBatchNorm("conv3", "bn3", planes, outChannels, 1, 1, 0));
        addDownsample();
    }

    @Override
    NDArray residual(NDArray x) {
        NDArray reduced = Activations.reluAndClose(conv1.apply(x));
        NDArray spatial;
        try (reduced) {
            spatial = Activations.reluAndClose(conv2.apply(reduced));
        }
        try (spatial) {
            return conv3.apply(spatial);
        }
    }

    @Override
    List<ConvBatchNorm> branch() {
        return List.of(conv1, conv2, conv3);
    }
}
