package io.resnetspark.job;

/** The job's configuration is wrong: an unknown key, a missing required key or a bad value. */
public final class JobConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public JobConfigException(String message) {
        super(message);
    }

    public JobConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
