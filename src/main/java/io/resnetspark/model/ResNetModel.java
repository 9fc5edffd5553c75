package io.resnetspark.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.resnetspark.engine.PyTorchRuntime;
import io.resnetspark.weights.Tensor;
import io.resnetspark.weights.TensorFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
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
    private final Precision precision;

    private ResNetModel(ResNet net, NDManager manager, String weightsFingerprint, Precision precision) {
        this.net = net;
        this.manager = manager;
        this.weightsFingerprint = weightsFingerprint;
        this.precision = precision;
    }

    /**
     * Loads weights from a torchvision state_dict file (safetensors or npz), strictly.
     *
     * @throws IOException when the file cannot be read or is malformed
     * @throws IncompatibleWeightsException when keys or shapes do not fit the network
     */
    public static ResNetModel load(ResNetSpec spec, Path weights, Device device) throws IOException {
        return load(spec, weights, device, Precision.FP32);
    }

    /**
     * {@link #load(ResNetSpec, Path, Device)} computing in {@code precision}.
     *
     * @throws IllegalArgumentException when the device cannot compute in that precision
     */
    public static ResNetModel load(ResNetSpec spec, Path weights, Device device, Precision precision)
            throws IOException {
        precision.checkDevice(device); // before the file is read
        Map<String, Tensor> stateDict = TensorFiles.read(weights);
        String fingerprint = "sha256:" + TensorFiles.sha256(weights);
        return fromStateDict(spec, stateDict, true, device, fingerprint, precision);
    }

    /** Reproducible random weights (torchvision's initialisation scheme, seeded); not pretrained. */
    public static ResNetModel seeded(ResNetSpec spec, long seed, Device device) {
        return seeded(spec, seed, device, Precision.FP32);
    }

    /** {@link #seeded(ResNetSpec, long, Device)} computing in {@code precision}. */
    public static ResNetModel seeded(ResNetSpec spec, long seed, Device device, Precision precision) {
        precision.checkDevice(device);
        Map<String, Tensor> stateDict = SeededInitializer.stateDict(new ResNet(spec), seed);
        return fromStateDict(spec, stateDict, true, device, "seed:" + seed, precision);
    }

    /**
     * Builds a model from an in-memory state_dict.
     *
     * @param strict false tolerates missing and unexpected keys (never shape mismatches)
     * @param fingerprint provenance of the weights, reported by {@link #weightsFingerprint()}
     */
    public static ResNetModel fromStateDict(
            ResNetSpec spec, Map<String, Tensor> stateDict, boolean strict, Device device, String fingerprint) {
        return fromStateDict(spec, stateDict, strict, device, fingerprint, Precision.FP32);
    }

    /** {@link #fromStateDict(ResNetSpec, Map, boolean, Device, String)} computing in {@code precision}. */
    public static ResNetModel fromStateDict(ResNetSpec spec, Map<String, Tensor> stateDict, boolean strict,
            Device device, String fingerprint, Precision precision) {
        precision.checkDevice(device);
        NDManager manager = PyTorchRuntime.engine().newBaseManager(device);
        try {
            ResNet net = new ResNet(spec);
            StateDictLoader.load(net, stateDict, strict, manager);
            net.prepareForInference(manager, precision.computeType());
            return new ResNetModel(net, manager, fingerprint, precision);
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

    /** What the network computes in. */
    public Precision precision() {
        return precision;
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
        if (batch == 0) {
            return emptyResult();
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = MemoryLayout.channelsLast(scope, input, shape, precision.computeType());
            return run(scope, x, batch);
        }
    }

    /**
     * Runs the network on a batch of uint8 RGB images, interleaved HWC as decoded: the cast to
     * float, the scaling, the normalisation and the change to the network's layout all run in the
     * engine, on the model's device. Gives the same values as {@link #forward(float[], long[])} on
     * the host-normalised CHW floats of the same pixels.
     *
     * @param pixels a direct buffer of exactly {@code batch * height * width * 3} bytes from position
     *     0; the engine reads it during the call only, so the caller may refill it afterwards
     * @param normalization torchvision's ToTensor and Normalize
     * @throws IllegalArgumentException when the sizes do not fit the buffer or the network
     */
    public InferenceResult forwardPixels(
            ByteBuffer pixels, int batch, int height, int width, PixelNormalization normalization) {
        if (spec().inChannels() != 3) {
            throw new IllegalArgumentException("RGB pixels need a model of 3 input channels, this one has "
                    + spec().inChannels());
        }
        long[] nchw = {batch, 3, height, width};
        checkShape(nchw);
        long bytes = (long) batch * height * width * 3;
        if (!pixels.isDirect() || pixels.position() != 0 || pixels.remaining() != bytes) {
            throw new IllegalArgumentException("pixels must be a direct buffer of exactly " + bytes + " bytes for "
                    + batch + " images of " + width + "x" + height + ", got " + pixels);
        }
        if (batch == 0) {
            return emptyResult();
        }
        try (NDManager scope = manager.newSubManager()) {
            // On the CPU this array aliases the buffer (from_blob); on a GPU it is copied to the device.
            NDArray bytesNhwc = scope.create(pixels, new Shape(batch, height, width, 3), DataType.UINT8);
            NDArray normalized = normalization.apply(scope, bytesNhwc);
            bytesNhwc.close();
            NDArray x = MemoryLayout.nchwView(normalized);
            if (precision.computeType() != DataType.FLOAT32) {
                NDArray cast = x.toType(precision.computeType(), false);
                x.close();
                normalized.close(); // the float32 batch is not needed on the device during the pass
                x = cast;
            }
            return run(scope, x, batch);
        }
    }

    /** The network on {@code x}, outputs copied to the heap as float32. */
    private InferenceResult run(NDManager scope, NDArray x, int batch) {
        NDList out = net.forward(new ParameterStore(scope, false), new NDList(x), false);
        return new InferenceResult(batch, spec().numClasses(), toHostFloats(out.get(0)),
                spec().architecture().featureSize(), toHostFloats(out.get(1)));
    }

    private InferenceResult emptyResult() {
        return new InferenceResult(0, spec().numClasses(), new float[0], spec().architecture().featureSize(), new float[0]);
    }

    private static float[] toHostFloats(NDArray array) {
        return array.getDataType() == DataType.FLOAT32 ? array.toFloatArray()
                : array.toType(DataType.FLOAT32, false).toFloatArray();
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

    /** Whether {@link #close()} has freed the model's native memory. */
    public boolean isReleased() {
        return !manager.isOpen();
    }

    @Override
    public void close() {
        net.stateDictParameters().values().forEach(Parameter::close);
        manager.close();
    }
}
