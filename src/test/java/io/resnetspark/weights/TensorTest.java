package io.resnetspark.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TensorTest {

    @Test
    void acceptsMatchingShapeAndValues() {
        Tensor t = new Tensor(new long[] {2, 3}, new float[6], "F32");
        assertEquals(6, t.elementCount());
        assertEquals(2, t.rank());
        assertArrayEquals(new long[] {2, 3}, t.shape());
    }

    @Test
    void scalarHasOneElementAndEmptyShape() {
        Tensor t = Tensor.of(new float[] {4f});
        assertEquals(0, t.rank());
        assertEquals(1, t.elementCount());
    }

    @Test
    void zeroDimensionMakesAnEmptyTensorEvenWithHugeOtherDimensions() {
        Tensor t = new Tensor(new long[] {1L << 40, 1L << 40, 0}, new float[0], "F32");
        assertEquals(0, t.elementCount());
    }

    @Test
    void rejectsCountMismatch() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[5], 2, 3));
        assertTrue(e.getMessage().contains("needs 6 values but 5"), e.getMessage());
    }

    @Test
    void rejectsNegativeDimension() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[0], -1, 0));
    }

    @Test
    void rejectsOverflowingShape() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> Tensor.of(new float[1], 1L << 32, 1L << 32));
        assertTrue(e.getMessage().contains("more than"), e.getMessage());
    }

    @Test
    void rejectsNulls() {
        assertThrows(NullPointerException.class, () -> new Tensor(null, new float[0], "F32"));
        assertThrows(NullPointerException.class, () -> new Tensor(new long[0], null, "F32"));
        assertThrows(NullPointerException.class, () -> new Tensor(new long[0], new float[1], null));
    }

    @Test
    void elementCountNeverOverflows() {
        assertEquals(-1, Tensor.elementCountOrMinusOne(new long[] {Long.MAX_VALUE, 2}));
        assertEquals(-1, Tensor.elementCountOrMinusOne(new long[] {1L << 31, 1L << 31, 1L << 31}));
        assertEquals(-1, Tensor.elementCountOrMinusOne(new long[] {Integer.MAX_VALUE}));
        assertEquals(
                Tensor.MAX_ELEMENTS,
                Tensor.elementCountOrMinusOne(new long[] {Tensor.MAX_ELEMENTS}));
        assertEquals(1, Tensor.elementCountOrMinusOne(new long[0]));
    }

    @Test
    void shapeIsDefensivelyCopied() {
        long[] shape = {2, 2};
        Tensor t = Tensor.of(new float[4], shape);
        shape[0] = 99;
        t.shape()[1] = 99;
        assertArrayEquals(new long[] {2, 2}, t.shape());
    }

    @Test
    void equalityIsByContentIncludingNaN() {
        Tensor a = Tensor.of(new float[] {1f, Float.NaN}, 2);
        Tensor b = Tensor.of(new float[] {1f, Float.NaN}, 2);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, Tensor.of(new float[] {1f, Float.NaN}, 1, 2));
        assertNotEquals(a, new Tensor(new long[] {2}, new float[] {1f, Float.NaN}, "<f4"));
    }

    @Test
    void toStringOmitsValues() {
        String s = Tensor.of(new float[] {123.456f, 7f}, 2).toString();
        assertEquals("Tensor[shape=[2], dtype=F32, elements=2]", s);
        assertFalse(s.contains("123"));
    }
}
