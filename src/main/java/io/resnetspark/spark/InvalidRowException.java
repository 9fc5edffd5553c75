package io.resnetspark.spark;

/** A row could not be scored and the user asked for that to fail the job, or the budget ran out. */
public final class InvalidRowException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public InvalidRowException(String message, Throwable cause) {
        super(message, cause);
    }
}
