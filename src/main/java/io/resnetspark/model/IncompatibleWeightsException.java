package io.resnetspark.model;

/**
 * The weights do not fit the network: keys missing or unexpected, or shapes that differ. The
 * message lists every offending key with its expected and actual shape.
 */
public final class IncompatibleWeightsException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public IncompatibleWeightsException(String message) {
        super(message);
    }
}
