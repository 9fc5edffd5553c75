package io.resnetspark.options;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a setting's values are spelled: read from text (a Spark SQL setting, {@code --conf}), from a
 * HOCON value, and written back as text for documentation.
 *
 * @param <T> the Java type of the values
 */
public abstract class ValueType<T> implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final ValueType<String> STRING = new ValueType<>("a string", String.class) {
        @Override
        String fromText(String text) {
            return text.trim();
        }
    };

    public static final ValueType<Integer> INT = new ValueType<>("an integer", Integer.class) {
        @Override
        Integer fromText(String text) {
            return Integer.valueOf(text.trim());
        }
    };

    public static final ValueType<Long> LONG = new ValueType<>("an integer", Long.class) {
        @Override
        Long fromText(String text) {
            return Long.valueOf(text.trim());
        }
    };

    public static final ValueType<Double> DOUBLE = new ValueType<>("a number", Double.class) {
        @Override
        Double fromText(String text) {
            return Double.valueOf(text.trim());
        }
    };

    public static final ValueType<Boolean> BOOLEAN = new ValueType<>("true or false", Boolean.class) {
        @Override
        Boolean fromText(String text) {
            String value = text.trim().toLowerCase(Locale.ROOT);
            if (!value.equals("true") && !value.equals("false")) {
                throw new IllegalArgumentException("not true or false");
            }
            return Boolean.valueOf(value);
        }
    };

    /** A list of numbers: {@code 0.485,0.456,0.406} as text, {@code [0.485, 0.456, 0.406]} in HOCON. */
    public static final ValueType<double[]> NUMBERS = new ValueType<>("a list of numbers", double[].class) {
        @Override
        double[] fromText(String text) {
            String inner = text.trim();
            if (inner.startsWith("[") && inner.endsWith("]")) {
                inner = inner.substring(1, inner.length() - 1);
            }
            return Arrays.stream(inner.split(",")).mapToDouble(v -> Double.parseDouble(v.trim())).toArray();
        }

        @Override
        double[] fromHocon(Object unwrapped) {
            if (!(unwrapped instanceof List<?> list)) {
                throw new IllegalArgumentException("not a list of numbers");
            }
            double[] values = new double[list.size()];
            for (int i = 0; i < values.length; i++) {
                if (!(list.get(i) instanceof Number number)) {
                    throw new IllegalArgumentException("element " + i + " is not a number");
                }
                values[i] = number.doubleValue();
            }
            return values;
        }

        @Override
        String toText(double[] value) {
            return Arrays.stream(value).mapToObj(Double::toString).collect(Collectors.joining(","));
        }
    };

    private final String description;
    private final Class<?> javaType;

    private ValueType(String description, Class<?> javaType) {
        this.description = description;
        this.javaType = javaType;
    }

    /** What a value looks like, for messages: "an integer", "a number", ... */
    public String description() {
        return description;
    }

    /** The boxed Java class of values (for the transformer's typed params). */
    public Class<?> javaType() {
        return javaType;
    }

    /**
     * Parses text.
     *
     * @throws IllegalArgumentException (or NumberFormatException) when the text is not of this type
     */
    abstract T fromText(String text);

    /** Converts a HOCON value ({@code ConfigValue.unwrapped()}): numbers stay typed, others parse as text. */
    T fromHocon(Object unwrapped) {
        if (unwrapped instanceof Number number && javaType != String.class) {
            return fromText(exactText(number));
        }
        if (unwrapped instanceof List<?>) {
            throw new IllegalArgumentException("a list, not " + description);
        }
        return fromText(String.valueOf(unwrapped));
    }

    /** Converts a value from another JVM type (Spark param values, boxed numbers) to this type. */
    @SuppressWarnings("unchecked")
    T coerce(Object value) {
        if (javaType.isInstance(value)) {
            return (T) value;
        }
        return fromHocon(value);
    }

    /** The value as text, as the SQL setting and the documentation spell it. */
    String toText(T value) {
        return String.valueOf(value);
    }

    private static String exactText(Number number) {
        // HOCON gives 2.0 for "2.0" and 2 for "2"; an integer setting must refuse 2.5, not truncate it.
        return number instanceof Double || number instanceof Float ? Double.toString(number.doubleValue()) : number.toString();
    }
}
