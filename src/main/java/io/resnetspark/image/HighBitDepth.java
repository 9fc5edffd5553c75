package io.resnetspark.image;

import java.util.Locale;

/**
 * How single-channel images with more than 8 bits per sample (16-bit grey PNG and TIFF, 32-bit
 * integer and floating-point TIFF) become the model's 8-bit input.
 *
 * <p>PIL opens them in its modes "I;16", "I" and "F", and {@code convert("RGB")} then clips every
 * sample to 0..255 instead of scaling it: a typical 16-bit photo or scan comes out almost entirely
 * white. That is what a model trained through torchvision's PIL pipeline saw, so {@link #CLIP} is
 * the default; {@link #SCALE} gives the image its intended contrast. Images with 16 bits per
 * sample in colour (RGB, RGBA, grey with alpha) are not affected: PIL keeps their high byte, as
 * both choices do.
 */
public enum HighBitDepth {
    /** As PIL: samples below 0 become 0, above 255 become 255, the rest keep their value (floats truncated). */
    CLIP,
    /**
     * Scaled to 8 bits: integer samples keep their 8 most significant bits (v >> 8 for 16-bit,
     * v >> 24 for 32-bit, negative values 0); floating-point samples map 0..1 to 0..255, rounded.
     */
    SCALE;

    /** The stable lower-case name used in configuration: {@code clip} or {@code scale}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param id {@code clip} or {@code scale}, in any letter case
     * @throws IllegalArgumentException naming the accepted values
     */
    public static HighBitDepth fromId(String id) {
        for (HighBitDepth choice : values()) {
            if (choice.id().equalsIgnoreCase(id)) {
                return choice;
            }
        }
        throw new IllegalArgumentException("high bit depth handling must be clip or scale, got '" + id + "'");
    }
}
