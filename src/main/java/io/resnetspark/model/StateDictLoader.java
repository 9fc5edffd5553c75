package io.resnetspark.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.resnetspark.weights.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Copies a torchvision state_dict into a network's parameters, matching by key.
 *
 * <p>Strict by default, like {@code torch.nn.Module.load_state_dict}: every expected key must be
 * present, no other key may be, and every shape must match; otherwise one exception lists all the
 * problems at once. BatchNorm's {@code num_batches_tracked} counters are accepted and ignored.
 * Non-strict loading tolerates missing and unexpected keys (the missing parameters keep their
 * values) but never a shape mismatch.
 */
final class StateDictLoader {

    private static final String BATCHES_TRACKED = ".num_batches_tracked";

    private StateDictLoader() {}

    static void load(ResNet net, Map<String, Tensor> stateDict, boolean strict, NDManager manager) {
        Map<String, Parameter> expected = net.stateDictParameters();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Parameter> entry : expected.entrySet()) {
            Tensor tensor = stateDict.get(entry.getKey());
            Shape shape = entry.getValue().getShape();
            if (tensor == null) {
                if (strict || !entry.getValue().isInitialized()) {
                    problems.add("missing key " + entry.getKey() + " (expected shape " + shape + ")");
                }
            } else if (!Arrays.equals(shape.getShape(), tensor.shape())) {
                problems.add(
                        "shape mismatch for " + entry.getKey() + ": expected " + shape
                                + ", file has " + new Shape(tensor.shape()));
            }
        }
        for (String key : stateDict.keySet()) {
            if (!expected.containsKey(key) && !isBatchCounterOf(key, expected) && strict) {
                problems.add("unexpected key " + key + " (shape " + new Shape(stateDict.get(key).shape()) + ")");
            }
        }
        if (!problems.isEmpty()) {
            throw new IncompatibleWeightsException(describe(net, problems, diagnose(net.spec(), stateDict)));
        }
        for (Map.Entry<String, Parameter> entry : expected.entrySet()) {
            Tensor tensor = stateDict.get(entry.getKey());
            if (tensor != null) {
                Parameter parameter = entry.getValue();
                parameter.close(); // frees the previous values when reloading
                parameter.setInitializer((m, shape, type) -> m.create(tensor.values(), shape));
                parameter.initialize(manager, DataType.FLOAT32);
            }
        }
    }

    private static boolean isBatchCounterOf(String key, Map<String, Parameter> expected) {
        return key.endsWith(BATCHES_TRACKED)
                && expected.containsKey(
                        key.substring(0, key.length() - BATCHES_TRACKED.length()) + ".running_mean");
    }

    /**
     * Says what the file probably is when it does not fit: weights of another depth, another number
     * of classes or another number of input channels. Empty when nothing obvious explains it.
     */
    private static String diagnose(ResNetSpec spec, Map<String, Tensor> stateDict) {
        Tensor fc = stateDict.get("fc.weight");
        Tensor stem = stateDict.get("conv1.weight");
        if (fc == null || stem == null || fc.shape().length != 2 || stem.shape().length != 4) {
            return "";
        }
        for (ResNetArchitecture arch : ResNetArchitecture.values()) {
            ResNetSpec candidate = new ResNetSpec(arch, (int) fc.shape()[0], (int) stem.shape()[1]);
            if (fits(candidate, stateDict) && !candidate.equals(spec)) {
                return "; the file holds " + candidate + " weights";
            }
        }
        return "";
    }

    private static boolean fits(ResNetSpec candidate, Map<String, Tensor> stateDict) {
        Map<String, Parameter> expected = new ResNet(candidate).stateDictParameters();
        for (Map.Entry<String, Parameter> entry : expected.entrySet()) {
            Tensor tensor = stateDict.get(entry.getKey());
            if (tensor == null || !Arrays.equals(tensor.shape(), entry.getValue().getShape().getShape())) {
                return false;
            }
        }
        return stateDict.keySet().stream().allMatch(k -> expected.containsKey(k) || isBatchCounterOf(k, expected));
    }

    private static String describe(ResNet net, List<String> problems, String diagnosis) {
        StringBuilder message =
                new StringBuilder("weights do not fit ")
                        .append(net.spec())
                        .append(": ")
                        .append(problems.size())
                        .append(problems.size() == 1 ? " problem" : " problems")
                        .append(diagnosis);
        for (String problem : problems) {
            message.append("\n  ").append(problem);
        }
        return message.toString();
    }
}
