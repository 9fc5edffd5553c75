package io.resnetspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Map;

/**
 * A bias-free convolution followed by BatchNorm: torchvision's {@code convN}/{@code bnN} pair, and
 * the {@code downsample.0}/{@code downsample.1} projection shortcut.
 *
 * <p>It holds torchvision's parameters (conv weight; BN weight, bias, running mean and variance).
 * For inference, BatchNorm in eval mode is an affine map per channel, so {@link #fold} merges it
 * into the convolution once after the weights are loaded: one convolution with a bias per call
 * instead of a convolution plus a pass over the activations.
 */
final class ConvBatchNorm extends AbstractBlock implements TorchModule {

    /** torchvision's BatchNorm2d default epsilon. */
    static final double BATCH_NORM_EPS = 1e-5;

    private final String convName;
    private final String batchNormName;
    private final int stride;
    private final int padding;
    private final Parameter convWeight;
    private final Parameter bnWeight;
    private final Parameter bnBias;
    private final Parameter runningMean;
    private final Parameter runningVar;

    private NDArray foldedWeight;
    private NDArray foldedBias;

    ConvBatchNorm(
            String convName,
            String batchNormName,
            int inChannels,
            int outChannels,
            int kernel,
            int stride,
            int padding) {
        this.convName = convName;
        this.batchNormName = batchNormName;
        this.stride = stride;
        this.padding = padding;
        convWeight =
                addParameter(
                        parameter(
                                convName + ".weight",
                                Parameter.Type.WEIGHT,
                                new Shape(outChannels, inChannels, kernel, kernel)));
        Shape perChannel = new Shape(outChannels);
        bnWeight = addParameter(parameter(batchNormName + ".weight", Parameter.Type.GAMMA, perChannel));
        bnBias = addParameter(parameter(batchNormName + ".bias", Parameter.Type.BETA, perChannel));
        runningMean =
                addParameter(
                        parameter(
                                batchNormName + ".running_mean",
                                Parameter.Type.RUNNING_MEAN,
                                perChannel));
        runningVar =
                addParameter(
                        parameter(
                                batchNormName + ".running_var",
                                Parameter.Type.RUNNING_VAR,
                                perChannel));
    }

    private static Parameter parameter(String name, Parameter.Type type, Shape shape) {
        // Inference only: no parameter ever records an autograd graph.
        return Parameter.builder()
                .setName(name)
                .setType(type)
                .optShape(shape)
                .optRequiresGrad(false)
                .build();
    }

    @Override
    public void collectParameters(String prefix, Map<String, Parameter> into) {
        into.put(prefix + convName + ".weight", convWeight);
        into.put(prefix + batchNormName + ".weight", bnWeight);
        into.put(prefix + batchNormName + ".bias", bnBias);
        into.put(prefix + batchNormName + ".running_mean", runningMean);
        into.put(prefix + batchNormName + ".running_var", runningVar);
    }

    /**
     * Merges BatchNorm into the convolution: {@code scale = gamma / sqrt(var + eps)}, weight
     * {@code W * scale} per output channel, bias {@code beta - mean * scale}. Computed once on the
     * host in double precision, so folding adds no rounding of its own beyond the final cast to
     * float32 (and to {@code computeType}, float16 for fp16). Call again after the parameters
     * change.
     */
    void fold(NDManager manager, DataType computeType) {
        releaseFolded();
        float[] weight = convWeight.getArray().toFloatArray();
        float[] gamma = bnWeight.getArray().toFloatArray();
        float[] beta = bnBias.getArray().toFloatArray();
        float[] mean = runningMean.getArray().toFloatArray();
        float[] variance = runningVar.getArray().toFloatArray();
        int outChannels = gamma.length;
        int weightsPerChannel = weight.length / outChannels;
        float[] bias = new float[outChannels];
        for (int o = 0; o < outChannels; o++) {
            double scale = gamma[o] / Math.sqrt((double) variance[o] + BATCH_NORM_EPS);
            bias[o] = (float) (beta[o] - mean[o] * scale);
            for (int i = o * weightsPerChannel; i < (o + 1) * weightsPerChannel; i++) {
                weight[i] = (float) (weight[i] * scale);
            }
        }
        foldedWeight = MemoryLayout.channelsLast(manager, weight, convWeight.getShape().getShape(), computeType);
        foldedBias = ComputeType.castAndClose(manager.create(bias, new Shape(outChannels)), computeType);
    }

    /** Frees the folded copies; the block needs {@link #fold} again before the next forward. */
    void releaseFolded() {
        if (foldedWeight != null) {
            foldedWeight.close();
            foldedBias.close();
            foldedWeight = null;
            foldedBias = null;
        }
    }

    /** Convolution + BatchNorm (eval mode) of {@code x}; the result is a new array. */
    NDArray apply(NDArray x) {
        if (foldedWeight == null) {
            throw new IllegalStateException(
                    convName + "/" + batchNormName + ": weights are not loaded for inference");
        }
        return Conv2d.conv2d(
                        x,
                        foldedWeight,
                        foldedBias,
                        new Shape(stride, stride),
                        new Shape(padding, padding),
                        new Shape(1, 1),
                        1)
                .singletonOrThrow();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        InferenceOnly.check(training);
        return new NDList(apply(inputs.singletonOrThrow()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        long kernel = convWeight.getShape().get(2);
        return new Shape[] {
            new Shape(
                    in.get(0),
                    convWeight.getShape().get(0),
                    outputSize(in.get(2), kernel),
                    outputSize(in.get(3), kernel))
        };
    }

    private long outputSize(long size, long kernel) {
        return (size + 2L * padding - kernel) / stride + 1;
    }
}
