package io.resnetspark.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.resnetspark.engine.PyTorchRuntime;
import io.resnetspark.weights.Tensor;
import io.resnetspark.weights.TensorFiles;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A ResNet with its weights, resident on one device, ready for inference.
 *
 * <p>The model owns the native memory of its weights and frees it on {@link #close()}. Every call
 * to {@link #forward} runs in a native scope of its own that is closed before the call returns, so
 * memory does not grow with the number of batches. Forward passes from several threads at once are
 * safe: the weights are only read.
 */
public final class ResNetModel implements AutoCloseable {

    /** Smallest input height and width this model accepts. */
    public static final int MIN_INPUT_SIZE = 32;

    private final ResNet net;
    private final NDManager manager;
    private final String weightsFingerprint;

    private ResNetModel(ResNet net, NDManager manager, String weightsFingerprint) {
        this.net = net;
        this.manager = manager;
        this.weightsFingerprint = weightsFingerprint;
    }

    /**
     * Loads weights from a torchvision state_dict file (safetensors or npz), strictly.
     *
     * @throws IOException when the file cannot be read or is malformed
     * @throws IncompatibleWeightsException when keys or shapes do not fit the network
     */
    public static ResNetModel load(ResNetSpec spec, Path weights, Device device) throws IOException {
        Map<String, Tensor> stateDict = TensorFiles.read(weights);
        String fingerprint = "sha256:" + TensorFiles.sha256(weights);
        return fromStateDict(spec, stateDict, true, device, fingerprint);
    }

    /** Reproducible random weights (torchvision's initialisation scheme, seeded); not pretrained. */
    public static ResNetModel seeded(ResNetSpec spec, long seed, Device device) {
        Map<String, Tensor> stateDict = SeededInitializer.stateDict(new ResNet(spec), seed);
        return fromStateDict(spec, stateDict, true, device, "seed:" + seed);
    }

    /**
     * Builds a model from an in-memory state_dict.
     *
     * @param strict false tolerates missing and unexpected keys (never shape mismatches)
     * @param fingerprint provenance of the weights, reported by {@link #weightsFingerprint()}
     */
    public static ResNetModel fromStateDict(
            ResNetSpec spec, Map<String, Tensor> stateDict, boolean strict, Device device, String fingerprint) {
        NDManager manager = PyTorchRuntime.engine().newBaseManager(device);
        try {
            ResNet net = new ResNet(spec);
            StateDictLoader.load(net, stateDict, strict, manager);
            net.prepareForInference(manager);
            return new ResNetModel(net, manager, fingerprint);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public ResNetSpec spec() {
        return net.spec();
    }

    /** The DJL block, for callers that compose it into larger DJL models. */
    public ResNet block() {
        return net;
    }

    public Device device() {
        return manager.getDevice();
    }

    /** Where the weights came from: {@code sha256:<hex of the file>} or {@code seed:<n>}. */
    public String weightsFingerprint() {
        return weightsFingerprint;
    }

    /** Number of trainable values, as torchvision's {@code sum(p.numel() for p in parameters())}. */
    public long parameterCount() {
        return net.parameterCount();
    }

    /**
     * Runs the network on a float32 batch.
     *
     * @param input row-major values of an N x C x H x W batch
     * @param shape {N, C, H, W}; C must equal the model's input channels and H, W be at least
     *     {@value #MIN_INPUT_SIZE}
     * @throws IllegalArgumentException naming the expected shape when the input does not fit
     */
    public InferenceResult forward(float[] input, long[] shape) {
        checkInput(input, shape);
        int batch = (int) shape[0];
        int classes = spec().numClasses();
        int featureSize = spec().architecture().featureSize();
        if (batch == 0) {
            return new InferenceResult(0, classes, new float[0], featureSize, new float[0]);
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = MemoryLayout.channelsLast(scope, input, shape);
            NDList out = net.forward(new ParameterStore(scope, false), new NDList(x), false);
            return new InferenceResult(batch, classes, out.get(0).toFloatArray(), featureSize, out.get(1).toFloatArray());
        }
    }

    /**
     * Runs the network on a batch already in native memory, for callers that assemble batches
     * themselves. The outputs (logits, features) belong to the input's manager.
     */
    public NDList forward(NDArray batch) {
        checkShape(batch.getShape().getShape());
        return net.forward(new ParameterStore(batch.getManager(), false), new NDList(batch), false);
    }

    /** The weights as a torchvision state_dict (BatchNorm buffers included), copied to the heap. */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> entry : net.stateDictParameters().entrySet()) {
            NDArray array = entry.getValue().getArray();
            tensors.put(entry.getKey(), new Tensor(array.getShape().getShape(), array.toFloatArray(), "F32"));
        }
        return tensors;
    }

    /** Saves the weights as a torchvision state_dict: {@code .safetensors} or {@code .npz}. */
    public void save(Path file) throws IOException {
        TensorFiles.write(file, stateDict());
    }

    private void checkInput(float[] input, long[] shape) {
        checkShape(shape);
        long expected = shape[0] * shape[1] * shape[2] * shape[3];
        if (input.length != expected) {
            throw new IllegalArgumentException(
                    "input has " + input.length + " values but shape " + new Shape(shape) + " needs " + expected);
        }
    }

    private void checkShape(long[] shape) {
        int channels = spec().inChannels();
        String expected = "N x " + channels + " x H x W with H, W >= " + MIN_INPUT_SIZE;
        if (shape.length != 4) {
            throw new IllegalArgumentException(
                    "input must have rank 4 (" + expected + "), got shape " + new Shape(shape));
        }
        if (shape[1] != channels) {
            throw new IllegalArgumentException(
                    "input must be " + expected + ", got " + shape[1] + " channels in shape " + new Shape(shape));
        }
        if (shape[0] < 0 || shape[2] < MIN_INPUT_SIZE || shape[3] < MIN_INPUT_SIZE) {
            throw new IllegalArgumentException("input must be " + expected + ", got shape " + new Shape(shape));
        }
    }

    /** Arrays resident in the model's native scope (weights and their folded copies). */
    int residentArrayCount() {
        return manager.getManagedArrays().size();
    }

    @Override
    public void close() {
        net.stateDictParameters().values().forEach(Parameter::close);
        manager.close();
    }
}
