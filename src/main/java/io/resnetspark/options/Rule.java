package io.resnetspark.options;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What a setting's value must satisfy, with the words that say so in an error message.
 *
 * @param <T> the value type
 */
public final class Rule<T> {

    private final Predicate<T> test;
    private final String requirement;
    /** For parser rules: the parser's reason for a refused value, null for an accepted one. */
    private final Function<T, String> explain;

    private Rule(Predicate<T> test, String requirement) {
        this(test, requirement, null);
    }

    private Rule(Predicate<T> test, String requirement, Function<T, String> explain) {
        this.test = test;
        this.requirement = requirement;
        this.explain = explain;
    }

    /** Any value of the type. */
    public static <T> Rule<T> any() {
        return new Rule<>(value -> true, "");
    }

    public static Rule<Integer> atLeast(int min) {
        return new Rule<>(value -> value >= min, "must be >= " + min);
    }

    public static Rule<Long> atLeast(long min) {
        return new Rule<>(value -> value >= min, "must be >= " + min);
    }

    public static Rule<Integer> between(int min, int max) {
        return new Rule<>(value -> value >= min && value <= max, "must be within [" + min + ", " + max + "]");
    }

    public static Rule<Double> fraction() {
        return new Rule<>(value -> value >= 0 && value <= 1, "must be within [0, 1]");
    }

    public static Rule<String> oneOf(List<String> allowed) {
        return new Rule<>(allowed::contains, "must be one of " + String.join(", ", allowed));
    }

    /** Three finite numbers (R, G, B). */
    public static Rule<double[]> threeFinite() {
        return new Rule<>(values -> values.length == 3 && Arrays.stream(values).allMatch(Double::isFinite),
                "must be 3 finite numbers (R, G, B)");
    }

    /** Three positive, finite numbers (R, G, B). */
    public static Rule<double[]> threePositive() {
        return new Rule<>(values -> values.length == 3
                        && Arrays.stream(values).allMatch(v -> v > 0 && v < Double.POSITIVE_INFINITY),
                "must be 3 positive finite numbers (R, G, B)");
    }

    /**
     * A rule given by a parser that throws {@link IllegalArgumentException} with the reason; a
     * refused value is reported with the parser's reason.
     */
    public static <T> Rule<T> parsedBy(Function<T, ?> parser, String requirement) {
        return new Rule<>(value -> true, requirement, value -> {
            try {
                parser.apply(value);
                return null;
            } catch (IllegalArgumentException e) {
                return "is refused: " + e.getMessage();
            }
        });
    }

    /** Null when {@code value} satisfies the rule, else the words that say what is wrong. */
    String violation(T value) {
        if (explain != null) {
            return explain.apply(value);
        }
        return test.test(value) ? null : requirement;
    }

    /** "must be > 0"; empty for {@link #any()}. */
    public String requirement() {
        return requirement;
    }
}
