package io.resnetspark.model;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * What the network computes in. Part of a resident model's identity and of the provenance of its
 * scores.
 *
 * <ul>
 *   <li>{@code fp32}: float32 everywhere. On NVIDIA GPUs of the Ampere generation and newer, PyTorch
 *       runs cuDNN convolutions in TF32 unless the executor runs with {@code NVIDIA_TF32_OVERRIDE=0}
 *       ({@link #tf32Disabled()}); the run summary records which.
 *   <li>{@code tf32}: float32 tensors with TF32 convolutions, PyTorch's GPU default.
 *   <li>{@code fp16}: the folded weights are cast to float16 once when the model loads, the input is
 *       cast on the device after normalisation, and the logits and features come back as float32.
 *       GPU only.
 * </ul>
 *
 * <p>bf16 is refused: DJL's PyTorch engine aborts the JVM on any bf16 array.
 */
public enum Precision {
    FP32(DataType.FLOAT32),
    TF32(DataType.FLOAT32),
    FP16(DataType.FLOAT16);

    /** The variable NVIDIA's libraries read at start; "0" turns TF32 off for the whole process. */
    public static final String TF32_OVERRIDE = "NVIDIA_TF32_OVERRIDE";

    private final DataType computeType;

    Precision(DataType computeType) {
        this.computeType = computeType;
    }

    /**
     * Parses {@code fp32}, {@code tf32} or {@code fp16}.
     *
     * @throws IllegalArgumentException for bf16 (with the reason) and anything else
     */
    public static Precision parse(String text) {
        String value = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (value.equals("bf16") || value.equals("bfloat16")) {
            throw new IllegalArgumentException("precision bf16 is not supported: DJL's PyTorch engine aborts the JVM"
                    + " on any bfloat16 array; use fp16 (GPU) or fp32");
        }
        for (Precision precision : values()) {
            if (precision.toString().equals(value)) {
                return precision;
            }
        }
        throw new IllegalArgumentException("precision must be fp32, tf32 or fp16, got '" + text + "'");
    }

    /** The element type of weights and activations. */
    public DataType computeType() {
        return computeType;
    }

    /**
     * Refuses a precision the device cannot compute in.
     *
     * @throws IllegalArgumentException for fp16 and tf32 on the CPU, naming the reason and the fix
     */
    public void checkDevice(Device device) {
        if (device.isGpu() || this == FP32) {
            return;
        }
        if (this == FP16) {
            throw new IllegalArgumentException("precision fp16 needs a GPU: PyTorch 2.0.1 has no float16 convolution"
                    + " on the CPU; use precision fp32 on " + device);
        }
        throw new IllegalArgumentException("precision tf32 is a GPU mode (TF32 tensor cores of Ampere and newer"
                + " GPUs); use precision fp32 on " + device);
    }

    /** Whether this process runs with TF32 turned off ({@code NVIDIA_TF32_OVERRIDE=0}). */
    public static boolean tf32Disabled() {
        return "0".equals(System.getenv(TF32_OVERRIDE));
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
