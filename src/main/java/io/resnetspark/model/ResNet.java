package io.resnetspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * torchvision's ResNet as a DJL block: stem (7x7/2 convolution, BN, ReLU, 3x3/2 max-pool), four
 * stages of residual blocks, global average pool, fully connected layer.
 *
 * <p>{@link #forward} returns two arrays: the logits (N x classes) and the pooled penultimate
 * features (N x 512·expansion), the embedding. Inference only; parameters carry torchvision's
 * state_dict keys ({@link #stateDictParameters()}).
 */
public final class ResNet extends AbstractBlock implements TorchModule {

    private static final int STEM_WIDTH = 64;
    private static final int[] STAGE_PLANES = {64, 128, 256, 512};

    private final ResNetSpec spec;
    private final ConvBatchNorm stem;
    private final List<List<ResidualBlock>> stages = new ArrayList<>();
    private final Parameter fcWeight;
    private final Parameter fcBias;
    /** The fully connected layer's weights in the compute type, made by {@link #prepareForInference}. */
    private NDArray fcComputeWeight;
    private NDArray fcComputeBias;
    private int channels;

    public ResNet(ResNetSpec spec) {
        this.spec = spec;
        stem = addChildBlock("conv1", new ConvBatchNorm("conv1", "bn1", spec.inChannels(), STEM_WIDTH, 7, 2, 3));
        channels = STEM_WIDTH;
        ResNetArchitecture arch = spec.architecture();
        for (int stage = 0; stage < STAGE_PLANES.length; stage++) {
            int stride = stage == 0 ? 1 : 2;
            stages.add(makeLayer(arch.blockType(), STAGE_PLANES[stage], arch.blocksInStage(stage), stride));
        }
        int features = arch.featureSize();
        fcWeight = addParameter(fcParameter("fc.weight", Parameter.Type.WEIGHT, new Shape(spec.numClasses(), features)));
        fcBias = addParameter(fcParameter("fc.bias", Parameter.Type.BIAS, new Shape(spec.numClasses())));
    }

    /**
     * One stage. Its first block carries the stride, and it is the only place that decides about
     * the projection shortcut: needed when the stride or the width changes.
     */
    private List<ResidualBlock> makeLayer(ResidualBlockType type, int planes, int blocks, int stride) {
        int outChannels = type.outputChannels(planes);
        ConvBatchNorm downsample = null;
        if (stride != 1 || channels != outChannels) {
            downsample = ResidualBlock.projection(channels, outChannels, stride);
        }
        int stageNumber = stages.size() + 1;
        List<ResidualBlock> layer = new ArrayList<>(blocks);
        layer.add(addChildBlock("layer" + stageNumber + ".0", type.create(channels, planes, stride, downsample)));
        channels = outChannels;
        for (int i = 1; i < blocks; i++) {
            layer.add(addChildBlock("layer" + stageNumber + "." + i, type.create(channels, planes, 1, null)));
        }
        return Collections.unmodifiableList(layer);
    }

    private static Parameter fcParameter(String name, Parameter.Type type, Shape shape) {
        return Parameter.builder().setName(name).setType(type).optShape(shape).optRequiresGrad(false).build();
    }

    public ResNetSpec spec() {
        return spec;
    }

    @Override
    public void collectParameters(String prefix, Map<String, Parameter> into) {
        stem.collectParameters(prefix, into);
        for (int s = 0; s < stages.size(); s++) {
            List<ResidualBlock> layer = stages.get(s);
            for (int i = 0; i < layer.size(); i++) {
                layer.get(i).collectParameters(prefix + "layer" + (s + 1) + "." + i + ".", into);
            }
        }
        into.put(prefix + "fc.weight", fcWeight);
        into.put(prefix + "fc.bias", fcBias);
    }

    /**
     * Every parameter and BatchNorm buffer under its torchvision state_dict key, in torchvision's
     * order. BatchNorm's {@code num_batches_tracked} counters are training bookkeeping and have no
     * entry.
     */
    public Map<String, Parameter> stateDictParameters() {
        Map<String, Parameter> parameters = new LinkedHashMap<>();
        collectParameters("", parameters);
        return parameters;
    }

    /** Number of trainable values (BatchNorm running statistics excluded), as torchvision counts. */
    public long parameterCount() {
        long count = 0;
        for (Parameter p : stateDictParameters().values()) {
            if (p.getType() != Parameter.Type.RUNNING_MEAN && p.getType() != Parameter.Type.RUNNING_VAR) {
                count += p.getShape().size();
            }
        }
        return count;
    }

    /**
     * Prepares the loaded parameters for inference in {@code computeType}: BatchNorm folded into the
     * convolutions, and the fully connected layer's weights cast once.
     */
    void prepareForInference(NDManager manager, DataType computeType) {
        stem.fold(manager, computeType);
        for (List<ResidualBlock> layer : stages) {
            for (ResidualBlock block : layer) {
                block.fold(manager, computeType);
            }
        }
        if (fcComputeWeight != null && fcComputeWeight != fcWeight.getArray()) {
            fcComputeWeight.close();
            fcComputeBias.close();
        }
        // Same type: the parameters themselves. Another: copies (the parameters stay for stateDict()).
        fcComputeWeight = fcWeight.getArray().toType(computeType, false);
        fcComputeBias = fcBias.getArray().toType(computeType, false);
    }

    /** Pooled penultimate features (N x featureSize) of an N x C x H x W batch. */
    NDArray features(NDArray input) {
        NDArray x = Activations.reluAndClose(stem.apply(input));
        try (NDArray stemOut = x) {
            x = Pool.maxPool2d(stemOut, new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), false);
        }
        for (List<ResidualBlock> layer : stages) {
            for (ResidualBlock block : layer) {
                try (NDArray blockInput = x) {
                    x = block.apply(blockInput);
                }
            }
        }
        try (NDArray last = x) {
            NDArray pooled = Pool.globalAvgPool2d(last);
            if (pooled.getShape().dimension() == 2) {
                return pooled;
            }
            try (pooled) {
                return pooled.reshape(input.getShape().get(0), -1);
            }
        }
    }

    /** Logits (N x classes) of pooled features. */
    NDArray classify(NDArray features) {
        return Linear.linear(features, fcComputeWeight, fcComputeBias).singletonOrThrow();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        InferenceOnly.check(training);
        NDArray features = features(inputs.singletonOrThrow());
        return new NDList(classify(features), features);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long batch = inputShapes[0].get(0);
        return new Shape[] {
            new Shape(batch, spec.numClasses()), new Shape(batch, spec.architecture().featureSize())
        };
    }
}
