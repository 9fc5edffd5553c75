package io.resnetspark.options;

/** A setting's value is not acceptable; the message names the setting as the user spelled it. */
public final class InvalidSettingException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public InvalidSettingException(String message) {
        super(message);
    }
}
