package io.resnetspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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

    /** An N x C x H x W tensor of row-major NCHW {@code values}, stored channels-last. */
    static NDArray channelsLast(NDManager manager, float[] values, long[] nchw) {
        if (!ENABLED) {
            return manager.create(values, new Shape(nchw));
        }
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
        return stored.transpose(0, 3, 1, 2);
    }
}
