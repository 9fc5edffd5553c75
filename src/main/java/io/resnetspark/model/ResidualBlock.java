package io.resnetspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.List;
import java.util.Map;

/**
 * A residual block: {@code relu(F(x) + shortcut(x))}, where the shortcut is the identity or, when
 * the stride or width changes, a projection (1x1 convolution + BatchNorm) named {@code downsample}
 * as in torchvision.
 */
abstract class ResidualBlock extends AbstractBlock implements TorchModule {

    private final ConvBatchNorm downsample;

    ResidualBlock(ConvBatchNorm downsample) {
        this.downsample = downsample;
    }

    /** The residual branch F(x); returns a new array and leaves {@code x} open. */
    abstract NDArray residual(NDArray x);

    /** The convolutions of the residual branch, in torchvision's order. */
    abstract List<ConvBatchNorm> branch();

    /** {@code relu(F(x) + shortcut(x))}; returns a new array and leaves {@code x} open. */
    final NDArray apply(NDArray x) {
        NDArray out = residual(x);
        if (downsample == null) {
            out.addi(x);
        } else {
            try (NDArray identity = downsample.apply(x)) {
                out.addi(identity);
            }
        }
        return Activations.reluAndClose(out);
    }

    final void fold(NDManager manager, DataType computeType) {
        for (ConvBatchNorm conv : branch()) {
            conv.fold(manager, computeType);
        }
        if (downsample != null) {
            downsample.fold(manager, computeType);
        }
    }

    @Override
    public final void collectParameters(String prefix, Map<String, Parameter> into) {
        for (ConvBatchNorm conv : branch()) {
            conv.collectParameters(prefix, into);
        }
        if (downsample != null) {
            downsample.collectParameters(prefix + "downsample.", into);
        }
    }

    final ConvBatchNorm addDownsample() {
        return downsample == null ? null : addChildBlock("downsample", downsample);
    }

    @Override
    protected final NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        InferenceOnly.check(training);
        return new NDList(apply(inputs.singletonOrThrow()));
    }

    @Override
    public final Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] shapes = inputShapes;
        for (ConvBatchNorm conv : branch()) {
            shapes = conv.getOutputShapes(shapes);
        }
        return shapes;
    }

    /** Projection shortcut: a 1x1 convolution carrying the stride, then BatchNorm. */
    static ConvBatchNorm projection(int inChannels, int outChannels, int stride) {
        return new ConvBatchNorm("0", "1", inChannels, outChannels, 1, stride, 0);
    }
}
