package io.resnetspark.weights;

import java.io.IOException;

/**
 * A weights file (safetensors, npy or npz) whose content is malformed or uses a feature this
 * package does not read. The message names the file or stream, the problem and, where there is one,
 * the tensor.
 *
 * <p>It extends {@link IOException} so that callers who only care that loading failed can catch one
 * type, while callers who want to tell a bad file apart from, say, a missing one can catch this.
 */
public final class WeightsFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong, naming the file and tensor
     */
    public WeightsFormatException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong, naming the file and tensor
     * @param cause the lower-level error (e.g. from the JSON or zip library)
     */
    public WeightsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
