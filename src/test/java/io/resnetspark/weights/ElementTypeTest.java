package io.resnetspark.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.resnetspark.weights.TensorFiles.ElementType;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The element conversions shared by the safetensors and npy readers. */
class ElementTypeTest {

    private static float half(int bits) {
        return ElementType.halfToFloat((short) bits);
    }

    @Test
    void halfNormalsZerosAndLimits() {
        assertEquals(1.0f, half(0x3C00));
        assertEquals(-2.0f, half(0xC000));
        assertEquals(0.5f, half(0x3800));
        assertEquals(65504f, half(0x7BFF)); // largest finite half
        assertEquals(0x1p-14f, half(0x0400)); // smallest normal half
        assertEquals(0f, half(0x0000));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(half(0x8000)));
    }

    @Test
    void halfSubnormals() {
        assertEquals(0x1p-24f, half(0x0001)); // smallest subnormal
        assertEquals(1023 * 0x1p-24f, half(0x03FF)); // largest subnormal
        assertEquals(-0x1p-24f, half(0x8001));
    }

    @Test
    void halfInfinitiesAndNaN() {
        assertEquals(Float.POSITIVE_INFINITY, half(0x7C00));
        assertEquals(Float.NEGATIVE_INFINITY, half(0xFC00));
        assertTrue(Float.isNaN(half(0x7E00)));
        assertTrue(Float.isNaN(half(0xFE01)));
    }

    @Test
    void halfIsMonotonicOverAllPositiveFiniteValues() {
        // Every finite positive half, in bit order, must convert to a strictly increasing float.
        float previous = half(0);
        for (int bits = 1; bits < 0x7C00; bits++) {
            float value = half(bits);
            assertTrue(value > previous, "not increasing at 0x" + Integer.toHexString(bits));
            previous = value;
        }
    }

    @Test
    void unsignedLongToFloat() {
        assertEquals(0x1p64f, ElementType.unsignedLongToFloat(-1L));
        assertEquals(0x1p63f, ElementType.unsignedLongToFloat(Long.MIN_VALUE));
        assertEquals(5f, ElementType.unsignedLongToFloat(5L));
    }

    @Test
    void decodeAdvancesThePositionAndHonoursByteOrder() {
        ByteBuffer big = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN);
        big.putFloat(1.5f).putFloat(-3f).flip();
        float[] out = new float[3];
        ElementType.F32.decode(big, out, 1, 2);
        assertEquals(0, big.remaining());
        assertEquals(1.5f, out[1]);
        assertEquals(-3f, out[2]);
    }
}
