package io.resnetspark.model;

import ai.djl.nn.Parameter;
import io.resnetspark.weights.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Reproducible random weights with torchvision's initialisation scheme: convolutions Kaiming-normal
 * (fan-out, ReLU gain), BatchNorm weight 1 / bias 0 / running mean 0 / running variance 1, the
 * final layer uniform in +-1/sqrt(fan-in). For demos and tests without pretrained weights; the
 * same seed gives the same weights in every JVM.
 */
final class SeededInitializer {

    private SeededInitializer() {}

    static Map<String, Tensor> stateDict(ResNet net, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double linearBound = 1.0 / Math.sqrt(net.spec().architecture().featureSize());
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> entry : net.stateDictParameters().entrySet()) {
            String key = entry.getKey();
            long[] shape = entry.getValue().getShape().getShape();
            tensors.put(key, new Tensor(shape, values(entry.getValue(), shape, linearBound, random), "F32"));
        }
        return tensors;
    }

    private static float[] values(
            Parameter parameter, long[] shape, double linearBound, SplittableRandom random) {
        int count = Math.toIntExact(parameter.getShape().size());
        float[] values = new float[count];
        switch (parameter.getType()) {
            case WEIGHT:
                if (shape.length == 2) { // the fully connected layer
                    fillUniform(values, linearBound, random);
                } else {
                    long fanOut = shape[0] * shape[2] * shape[3];
                    double std = Math.sqrt(2.0 / fanOut);
                    for (int i = 0; i < count; i++) {
                        values[i] = (float) (random.nextGaussian() * std);
                    }
                }
                break;
            case BIAS:
                // nn.Linear draws its bias within 1/sqrt(fan_in) of the paired weight.
                fillUniform(values, linearBound, random);
                break;
            case GAMMA:
            case RUNNING_VAR:
                java.util.Arrays.fill(values, 1f);
                break;
            default: // BETA, RUNNING_MEAN
                break;
        }
        return values;
    }

    private static void fillUniform(float[] values, double bound, SplittableRandom random) {
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
    }
}
