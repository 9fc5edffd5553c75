package io.resnetspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Moving arrays into the element type the network computes in. */
final class ComputeType {

    private ComputeType() {}

    /**
     * {@code array} in {@code type}: the array itself when it already has that type, else a cast
     * copy, and the original is closed. Never a "copy" of the same type: DJL 0.25's
     * {@code toType(type, true)} calls torch's {@code to(device, dtype)}, which returns the same
     * tensor for the same type, and closing the original would then free memory the result uses
     * (DJL creates CPU arrays over Java buffers that the original holds).
     */
    static NDArray castAndClose(NDArray array, DataType type) {
        if (array.getDataType() == type) {
            return array;
        }
        NDArray cast = array.toType(type, false);
        array.close();
        return cast;
    }
}
