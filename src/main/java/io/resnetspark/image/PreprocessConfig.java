package io.resnetspark.image;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The torchvision eval transform, as numbers: {@code Resize(resizeShortSide)} (PIL bilinear with
 * antialias), {@code CenterCrop((cropHeight, cropWidth))} (zero padding where the image is
 * smaller), {@code ToTensor()} (values / 255) and {@code Normalize(mean, std)}.
 *
 * <ul>
 *   <li>{@code resizeShortSide = 0}: no resize.
 *   <li>{@code cropHeight = cropWidth = 0}: no crop. The model input must still have one fixed
 *       size, so without a crop it is {@code resizeShortSide x resizeShortSide}, and every image
 *       whose resized size differs (every non-square image) is refused as {@code wrong_size}. With
 *       neither a resize nor a crop there is no size to hold images to; such a config is refused.
 *       To require images of exactly H x W without resizing, use no resize and a crop of H x W:
 *       images of that size pass unchanged (other sizes are cropped or padded, as torchvision
 *       would).
 *   <li>{@code mean = std = null}: no normalisation, values only scaled to [0, 1].
 * </ul>
 *
 * <p>The arrays are copied in and out: a config is immutable.
 *
 * @param resizeShortSide target of the shorter side, or 0
 * @param cropHeight crop rows, or 0 (with cropWidth 0)
 * @param cropWidth crop columns, or 0 (with cropHeight 0)
 * @param mean per-channel mean (R, G, B), or null
 * @param std per-channel standard deviation (R, G, B), all &gt; 0, or null
 */
public record PreprocessConfig(int resizeShortSide, int cropHeight, int cropWidth, float[] mean, float[] std)
        implements Serializable {

    /** ImageNet's per-channel means, as torchvision's reference scripts give them. */
    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    /** ImageNet's per-channel standard deviations. */
    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    /** Largest resize target or crop side: ample for any classifier, small enough to never overflow. */
    public static final int MAX_SIDE = 16_384;

    /**
     * @throws IllegalArgumentException for negative or too large sizes, a crop with only one side,
     *     neither resize nor crop, mean without std (or the reverse), arrays not of length 3, or a
     *     standard deviation that is not positive and finite
     */
    public PreprocessConfig {
        if (resizeShortSide < 0 || resizeShortSide > MAX_SIDE) {
            throw new IllegalArgumentException("resizeShortSide must be 0 (no resize) to " + MAX_SIDE + ", got " + resizeShortSide);
        }
        if (cropHeight < 0 || cropWidth < 0 || cropHeight > MAX_SIDE || cropWidth > MAX_SIDE) {
            throw new IllegalArgumentException("crop sides must be 0 (no crop) to " + MAX_SIDE + ", got " + cropHeight + "x" + cropWidth);
        }
        if ((cropHeight == 0) != (cropWidth == 0)) {
            throw new IllegalArgumentException("crop height and width must both be 0 (no crop) or both positive, got "
                    + cropHeight + "x" + cropWidth);
        }
        if (resizeShortSide == 0 && cropHeight == 0) {
            throw new IllegalArgumentException("neither resize nor crop: nothing fixes the model input size"
                    + " (to require images of exactly HxW, use no resize and an HxW crop)");
        }
        if ((mean == null) != (std == null)) {
            throw new IllegalArgumentException("mean and std must both be given or both be null");
        }
        if (mean != null) {
            if (mean.length != 3 || std.length != 3) {
                throw new IllegalArgumentException("mean and std need 3 values (R, G, B), got "
                        + mean.length + " and " + std.length);
            }
            for (int c = 0; c < 3; c++) {
                if (!Float.isFinite(mean[c]) || !Float.isFinite(std[c]) || std[c] <= 0) {
                    throw new IllegalArgumentException("mean must be finite and std positive and finite, got mean "
                            + Arrays.toString(mean) + ", std " + Arrays.toString(std));
                }
            }
            mean = mean.clone();
            std = std.clone();
        }
    }

    /** torchvision's ImageNet eval transform: Resize(256), CenterCrop(224), ImageNet mean and std. */
    public static PreprocessConfig torchvisionDefault() {
        return new PreprocessConfig(256, 224, 224, IMAGENET_MEAN, IMAGENET_STD);
    }

    @Override
    public float[] mean() {
        return mean == null ? null : mean.clone();
    }

    @Override
    public float[] std() {
        return std == null ? null : std.clone();
    }

    public boolean resizes() {
        return resizeShortSide > 0;
    }

    public boolean crops() {
        return cropHeight > 0;
    }

    public boolean normalizes() {
        return mean != null;
    }

    /** Rows of the model input: the crop height, or without a crop the resize target. */
    public int outputHeight() {
        return crops() ? cropHeight : resizeShortSide;
    }

    /** Columns of the model input: the crop width, or without a crop the resize target. */
    public int outputWidth() {
        return crops() ? cropWidth : resizeShortSide;
    }

    /** Floats per image in CHW layout: 3 x outputHeight x outputWidth. */
    public int valuesPerImage() {
        return 3 * outputHeight() * outputWidth();
    }

    /**
     * A stable, human-readable description of the transform, e.g. {@code
     * resize256-bilinear-aa|crop224x224|scale1/255|mean0.485,0.456,0.406|std0.229,0.224,0.225}, to
     * record next to results so that outputs of different preprocessing are never mixed.
     */
    public String signature() {
        StringBuilder s = new StringBuilder();
        s.append(resizes() ? "resize" + resizeShortSide + "-bilinear-aa" : "noresize");
        s.append('|').append(crops() ? "crop" + cropHeight + "x" + cropWidth : "nocrop");
        s.append("|scale1/255");
        if (normalizes()) {
            s.append("|mean").append(join(mean)).append("|std").append(join(std));
        } else {
            s.append("|nonorm");
        }
        return s.toString();
    }

    private static String join(float[] values) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            s.append(i == 0 ? "" : ",").append(Float.toString(values[i])); // shortest exact form, locale-free
        }
        return s.toString();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PreprocessConfig that
                && resizeShortSide == that.resizeShortSide
                && cropHeight == that.cropHeight
                && cropWidth == that.cropWidth
                && Arrays.equals(mean, that.mean)
                && Arrays.equals(std, that.std);
    }

    @Override
    public int hashCode() {
        return signature().hashCode();
    }

    @Override
    public String toString() {
        return "PreprocessConfig[" + signature() + "]";
    }
}
