package io.resnetspark.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the float64 references that make_reference.py writes with numpy.save at full precision.
 * The project's NpyFormat narrows to float32, which would blur a float64 reference by up to half
 * a float32 ulp; the tolerances compare errors of that order.
 */
public final class Float64Npy {

    private Float64Npy() {}

    public static double[] read(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = Short.toUnsignedInt(bytes.getShort(8));
        String header = new String(bytes.array(), 10, headerLength, StandardCharsets.US_ASCII);
        if (!header.contains("'descr': '<f8'") || !header.contains("'fortran_order': False")) {
            throw new IOException(file + " is not a C-order little-endian float64 .npy: " + header);
        }
        bytes.position(10 + headerLength);
        double[] values = new double[bytes.remaining() / Double.BYTES];
        bytes.asDoubleBuffer().get(values);
        return values;
    }
}
