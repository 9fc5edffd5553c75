package io.resnetspark.spark;

import java.util.Locale;

/** What happens to a row whose image cannot be scored. */
public enum InvalidRowPolicy {
    /** Fail the task, naming the row. */
    ERROR,
    /** Drop the row. */
    SKIP,
    /** Keep the row with null outputs and the reason in the error column. */
    KEEP;

    public static InvalidRowPolicy parse(String value) {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
    }

    public String paramValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
