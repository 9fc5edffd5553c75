package io.resnetspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * Small helpers that free an intermediate activation as soon as the next one exists, so a forward
 * pass holds only the live tensors (as PyTorch's reference counting does) rather than every
 * activation of the batch until its manager closes.
 */
final class Activations {

    private Activations() {}

    /** ReLU of {@code x}; closes {@code x}. */
    static NDArray reluAndClose(NDArray x) {
        NDArray y = Activation.relu(x);
        x.close();
        return y;
    }
}
