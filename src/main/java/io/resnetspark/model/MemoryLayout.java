package io.resnetspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Channels-last tensors. PyTorch's oneDNN convolutions run natively on NHWC memory; a tensor whose
 * memory is NHWC but whose logical shape is NCHW (a permuted view) makes every convolution, ReLU,
 * addition and pooling of the network stay channels-last, instead of reordering activations
 * between NCHW and oneDNN's blocked layout around every convolution. DJL has no memory-format API,
 * so the layout is made by writing the values in NHWC order and permuting the view.
 */
final class MemoryLayout {

    static final boolean ENABLED = !"false".equals(System.getProperty("resnet.channelsLast"));

    private MemoryLayout() {}

    /**
     * An N x C x H x W tensor of row-major NCHW {@code values}, stored channels-last, of element type
     * {@code type}.
     */
    static NDArray channelsLast(NDManager manager, float[] values, long[] nchw, DataType type) {
        NDArray float32;
        if (!ENABLED) {
            float32 = manager.create(values, new Shape(nchw));
        } else {
            int n = (int) nchw[0];
            int c = (int) nchw[1];
            int hw = (int) (nchw[2] * nchw[3]);
            float[] nhwc = new float[values.length];
            for (int image = 0; image < n; image++) {
                int base = image * c * hw;
                for (int channel = 0; channel < c; channel++) {
                    int from = base + channel * hw;
                    for (int pixel = 0; pixel < hw; pixel++) {
                        nhwc[base + pixel * c + channel] = values[from + pixel];
                    }
                }
            }
            // The stored array stays open (it belongs to the manager): DJL creates it over a Java
            // buffer that must outlive the permuted view sharing its memory.
            NDArray stored = manager.create(nhwc, new Shape(nchw[0], nchw[2], nchw[3], nchw[1]));
            float32 = nchwView(stored);
        }
        if (type == DataType.FLOAT32) {
            return float32;
        }
        // A cast copy keeps the strides (channels-last) and owns its memory. (The stored array of
        // the channels-last case stays in the manager until it closes.)
        return ComputeType.castAndClose(float32, type);
    }

    /**
     * The N x C x H x W view of an N x H x W x C tensor: the memory stays channels-last. The view
     * shares the memory of {@code nhwc}, which must stay open while it is used.
     */
    static NDArray nchwView(NDArray nhwc) {
        return nhwc.transpose(0, 3, 1, 2);
    }
}
