package io.resnetspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;

/**
 * torchvision's {@code ToTensor()} and {@code Normalize(mean, std)} on uint8 pixels, run by the
 * engine on the model's device: {@code (v / 255 - mean) / std} per channel in float32, the same
 * operations in the same order as torchvision, so the values equal the host's
 * {@code io.resnetspark.image.Preprocessor}. Without mean and std, values are only scaled to
 * [0, 1].
 *
 * @param mean per-channel mean (R, G, B), or null
 * @param std per-channel standard deviation (R, G, B), or null (with mean)
 */
public record PixelNormalization(float[] mean, float[] std) {

    /** Scaling to [0, 1] only. */
    public static final PixelNormalization SCALE_ONLY = new PixelNormalization(null, null);

    public PixelNormalization {
        if ((mean == null) != (std == null) || (mean != null && (mean.length != 3 || std.length != 3))) {
            throw new IllegalArgumentException("mean and std must both be null or both hold 3 values");
        }
        mean = mean == null ? null : mean.clone();
        std = std == null ? null : std.clone();
    }

    /**
     * The model input of an N x H x W x 3 uint8 array: float32, same shape (channels last). The input
     * stays open; the result belongs to {@code scope}.
     */
    NDArray apply(NDManager scope, NDArray nhwcBytes) {
        NDArray x = nhwcBytes.toType(DataType.FLOAT32, false).divi(255f);
        if (mean != null) {
            try (NDArray m = scope.create(mean); NDArray s = scope.create(std)) {
                x.subi(m).divi(s);
            }
        }
        return x;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PixelNormalization that && Arrays.equals(mean, that.mean) && Arrays.equals(std, that.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return mean == null ? "scale1/255" : "mean" + Arrays.toString(mean) + " std" + Arrays.toString(std);
    }
}
