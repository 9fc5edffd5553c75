package io.resnetspark.weights;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dense tensor read from or written to a weights file: a shape, its values in row-major (C) order
 * converted to {@code float}, and the dtype the values had in the file.
 *
 * <p>The shape is copied on the way in and on the way out, because it is small and callers often
 * build it from a mutable array. The values are <em>not</em> copied: a weights tensor can be
 * hundreds of megabytes, so {@link #values()} returns the array this record holds and callers must
 * not modify it if they share the tensor.
 *
 * <p>{@link #equals(Object)} compares shapes and values by content (NaN equals NaN, as in {@link
 * Arrays#equals(float[], float[])}), which is what a round-trip test wants, rather than the array
 * identity a record would compare by default.
 *
 * @param shape the dimensions, each {@code >= 0}; an empty shape is a scalar with one element
 * @param values the values in C order; {@code values.length} must equal the product of the shape
 * @param sourceDtype the dtype as spelled in the file, e.g. {@code "F32"}, {@code "BF16"}, {@code
 *     "<f4"}; informational only
 */
public record Tensor(long[] shape, float[] values, String sourceDtype) {

    /**
     * The largest element count a tensor may have: the largest array length every JVM can allocate
     * (some reserve a few header words, so {@code Integer.MAX_VALUE} itself can fail).
     */
    public static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    /**
     * Checks that the shape is valid and agrees with the number of values.
     *
     * @throws NullPointerException if any component is null
     * @throws IllegalArgumentException if a dimension is negative, the element count exceeds {@link
     *     #MAX_ELEMENTS}, or {@code values.length} differs from the product of the shape
     */
    public Tensor {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(values, "values");
        Objects.requireNonNull(sourceDtype, "sourceDtype");
        shape = shape.clone();
        for (long dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException(
                        "negative dimension in shape " + Arrays.toString(shape));
            }
        }
        long count = elementCountOrMinusOne(shape);
        if (count < 0) {
            throw new IllegalArgumentException(
                    "shape "
                            + Arrays.toString(shape)
                            + " has more than "
                            + MAX_ELEMENTS
                            + " elements");
        }
        if (count != values.length) {
            throw new IllegalArgumentException(
                    "shape "
                            + Arrays.toString(shape)
                            + " needs "
                            + count
                            + " values but "
                            + values.length
                            + " were given");
        }
    }

    /**
     * A float32 tensor, the common case when building tensors in code.
     *
     * @param values the values in C order
     * @param shape the dimensions
     * @return a tensor whose source dtype is {@code "F32"}
     */
    public static Tensor of(float[] values, long... shape) {
        return new Tensor(shape, values, "F32");
    }

    /** Returns a copy of the shape, so that callers cannot change this tensor's shape. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Returns the number of dimensions (0 for a scalar). */
    public int rank() {
        return shape.length;
    }

    /** Returns the number of elements, the product of the shape (1 for a scalar). */
    public int elementCount() {
        return values.length;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Tensor that
                && Arrays.equals(shape, that.shape)
                && Arrays.equals(values, that.values)
                && sourceDtype.equals(that.sourceDtype);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(shape), Arrays.hashCode(values), sourceDtype);
    }

    /** Describes the tensor without its values, which could be millions of numbers. */
    @Override
    public String toString() {
        return "Tensor[shape="
                + Arrays.toString(shape)
                + ", dtype="
                + sourceDtype
                + ", elements="
                + values.length
                + "]";
    }

    /**
     * The product of the dimensions, computed without overflow.
     *
     * @param shape dimensions, which the caller has checked to be non-negative
     * @return the element count, or -1 if it exceeds {@link #MAX_ELEMENTS}
     */
    static long elementCountOrMinusOne(long[] shape) {
        // A zero dimension makes the tensor empty whatever the other dimensions are, so it is
        // checked
        // first: [2^40, 2^40, 0] is a valid empty shape even though a running product would
        // overflow.
        for (long dim : shape) {
            if (dim == 0) {
                return 0;
            }
        }
        long count = 1;
        for (long dim : shape) {
            // Every factor is >= 1 and count stays <= MAX_ELEMENTS, so this division test is exact
            // and
            // the multiplication below cannot overflow.
            if (dim > MAX_ELEMENTS / count) {
                return -1;
            }
            count *= dim;
        }
        return count;
    }
}
