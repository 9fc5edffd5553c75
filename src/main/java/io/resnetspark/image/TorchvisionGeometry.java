package io.resnetspark.image;

/**
 * The size arithmetic of torchvision 0.14's {@code Resize(int)} and {@code CenterCrop}, including
 * its truncations and Python's round-half-to-even.
 */
final class TorchvisionGeometry {

    private TorchvisionGeometry() {}

    /**
     * torchvision's {@code _compute_resized_output_size} for {@code Resize(size)}: the shorter side
     * becomes {@code size}, the longer {@code int(size * long / short)} (float division, truncated).
     * A square image counts its width as the shorter side.
     *
     * @return {height, width}
     * @throws ArithmeticException if the longer side would not fit in an int
     */
    static int[] resizedSize(int height, int width, int size) {
        boolean widthIsShort = width <= height;
        int shortSide = widthIsShort ? width : height;
        int longSide = widthIsShort ? height : width;
        // Python: size * long is an exact integer, / rounds it once to double; so does this.
        double newLong = (double) ((long) size * longSide) / shortSide;
        if (newLong >= Integer.MAX_VALUE) {
            throw new ArithmeticException("resizing " + width + "x" + height + " to a shorter side of " + size
                    + " gives a longer side of " + (long) newLong);
        }
        int newLongSide = (int) newLong;
        return widthIsShort ? new int[] {newLongSide, size} : new int[] {size, newLongSide};
    }

    /**
     * Where a centre crop of {@code crop} starts along a side of {@code size}: torchvision's {@code
     * int(round((size - crop) / 2.0))} (half to even: an odd excess of 1 starts at 0, of 3 at 2),
     * or, when the crop is larger, minus the zero padding torchvision adds before it ({@code (crop -
     * size) // 2}; the other side gets the odd pixel).
     */
    static int cropStart(int size, int crop) {
        if (crop > size) {
            return -((crop - size) / 2);
        }
        return (int) Math.rint((size - crop) / 2.0);
    }
}
