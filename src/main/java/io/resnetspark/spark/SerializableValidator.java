package io.resnetspark.spark;

import java.io.Serializable;
import java.util.function.Predicate;
import scala.runtime.AbstractFunction1;

/** A param validator written as a Java predicate; params travel with the stage, so it must serialize. */
final class SerializableValidator<T> extends AbstractFunction1<T, Object> implements Serializable {

    private static final long serialVersionUID = 1L;

    /** A predicate that serializes. */
    interface Check<T> extends Predicate<T>, Serializable {}

    private final Check<T> check;

    SerializableValidator(Check<T> check) {
        this.check = check;
    }

    @Override
    public Object apply(T value) {
        return check.test(value);
    }
}
