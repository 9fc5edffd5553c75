package io.resnetspark.image;

import java.util.Objects;

/**
 * An input that is not a usable image. {@link #reason()} is a short, stable code meant for grouping
 * and counting failures (one of the constants below); the message says what exactly is wrong.
 */
public final class InvalidImageException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Zero bytes, or a Spark image row with no data. */
    public static final String EMPTY = "empty";

    /** Bytes of no known image format: text, HTML, random data. */
    public static final String NOT_AN_IMAGE = "not_an_image";

    /**
     * A known image format this decoder does not read (e.g. HEIC, AVIF, JPEG 2000, lossless or
     * arithmetic-coded JPEG, floating-point TIFF).
     */
    public static final String UNSUPPORTED_FORMAT = "unsupported_format";

    /** The file ends before its image data does (an interrupted download or copy). */
    public static final String TRUNCATED = "truncated";

    /** A known format whose content is malformed. */
    public static final String CORRUPT = "corrupt";

    /** More pixels than the decoder's limit (decompression bomb guard), judged from the header. */
    public static final String TOO_LARGE = "too_large";

    /** Not the size the preprocessing requires (only without resize and crop). */
    public static final String WRONG_SIZE = "wrong_size";

    private final String reason;

    /**
     * @param reason one of the reason constants of this class
     * @param message what is wrong, for a person
     */
    public InvalidImageException(String reason, String message) {
        this(reason, message, null);
    }

    /**
     * @param reason one of the reason constants of this class
     * @param message what is wrong, for a person
     * @param cause the decoder's own error, if any
     */
    public InvalidImageException(String reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** The stable reason code, e.g. {@code "truncated"}. */
    public String reason() {
        return reason;
    }

    @Override
    public String toString() {
        return "InvalidImageException[" + reason + "]: " + getMessage();
    }
}
