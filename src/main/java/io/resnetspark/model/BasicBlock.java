package io.resnetspark.model;

import ai.djl.ndarray.NDArray;
import java.util.List;

/** ResNet-18/34 block: 3x3 convolution (carrying the stride), BN, ReLU, 3x3 convolution, BN. */
final class BasicBlock extends ResidualBlock {

    private final ConvBatchNorm conv1;
    private final ConvBatchNorm conv2;

    BasicBlock(int inChannels, int planes, int stride, ConvBatchNorm downsample) {
        super(downsample);
        int outChannels = ResidualBlockType.BASIC.outputChannels(planes);
        conv1 = addChildBlock("conv1", new ConvBatchNorm("conv1", "bn1", inChannels, planes, 3, stride, 1));
        conv2 = addChildBlock("conv2", new ConvBatchNorm("conv2", "bn2", planes, outChannels, 3, 1, 1));
        addDownsample();
    }

    @Override
    NDArray residual(NDArray x) {
        NDArray out = Activations.reluAndClose(conv1.apply(x));
        try (out) {
            return conv2.apply(out);
        }
    }

    @Override
    List<ConvBatchNorm> branch() {
        return List.of(conv1, conv2);
    }
}
