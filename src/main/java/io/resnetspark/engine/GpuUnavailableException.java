package io.resnetspark.engine;

/** A GPU was needed and this host or build cannot provide one; the message names what is missing. */
public final class GpuUnavailableException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public GpuUnavailableException(String message) {
        super(message);
    }
}
