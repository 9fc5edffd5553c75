package io.resnetspark.options;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * One scoring setting: its name, type, default, rule and meaning, and how each front end spells it.
 * The spellings are derived from the one name: param {@code resizeSize}, SQL setting {@code
 * spark.resnet.resizeSize}, HOCON key {@code model.preprocessing.resize-size}. Names a setting had
 * before keep working as aliases, per front end.
 *
 * @param <T> the value type
 */
public final class Setting<T> {

    /** Prefix of every Spark SQL session setting. */
    public static final String SQL_PREFIX = "spark.resnet.";

    private final String name;
    private final ValueType<T> type;
    private final T defaultValue;
    private final Rule<T> rule;
    private final UnaryOperator<T> canonical;
    private final String doc;
    private final Set<FrontEnd> frontEnds;
    private final String hoconSection;
    private final Map<FrontEnd, List<String>> aliases;

    private Setting(Builder<T> b) {
        this.name = b.name;
        this.type = b.type;
        this.defaultValue = b.defaultValue;
        this.rule = b.rule;
        this.canonical = b.canonical;
        this.doc = Objects.requireNonNull(b.doc, "doc of " + b.name);
        this.frontEnds = Collections.unmodifiableSet(EnumSet.copyOf(b.frontEnds));
        this.hoconSection = b.hoconSection;
        this.aliases = new EnumMap<>(FrontEnd.class);
        b.aliases.forEach((frontEnd, names) -> aliases.put(frontEnd, List.copyOf(names)));
        if (frontEnds.contains(FrontEnd.JOB) && hoconSection == null) {
            throw new IllegalArgumentException("setting " + name + " is in the job but has no HOCON section");
        }
        String problem = violation(defaultValue);
        if (problem != null) {
            throw new IllegalArgumentException("default of " + name + " " + problem);
        }
    }

    /**
     * Starts a setting.
     *
     * @param name the canonical name, camelCase: the transformer's param name
     */
    public static <T> Builder<T> builder(String name, ValueType<T> type, T defaultValue) {
        return new Builder<>(name, type, defaultValue);
    }

    public String name() {
        return name;
    }

    public ValueType<T> type() {
        return type;
    }

    public T defaultValue() {
        return defaultValue;
    }

    public String doc() {
        return doc;
    }

    /** The rule in words ("must be >= 0"), empty when any value of the type is accepted. */
    public String requirement() {
        return rule.requirement();
    }

    public boolean in(FrontEnd frontEnd) {
        return frontEnds.contains(frontEnd);
    }

    /** The transformer's param name. */
    public String paramName() {
        return name;
    }

    /** The Spark SQL session setting: {@code spark.resnet.<name>}. */
    public String sqlKey() {
        return SQL_PREFIX + name;
    }

    /** The job's HOCON key: the section, then the name in kebab-case ({@code model.batch-size}). */
    public String hoconKey() {
        return hoconSection + "." + kebab(name);
    }

    /** How {@code frontEnd} spells this setting. */
    public String spelling(FrontEnd frontEnd) {
        switch (frontEnd) {
            case TRANSFORMER:
                return paramName();
            case SQL:
                return sqlKey();
            default:
                return hoconKey();
        }
    }

    /** Names this setting had before in {@code frontEnd}; they still work, with a deprecation note. */
    public List<String> aliases(FrontEnd frontEnd) {
        return aliases.getOrDefault(frontEnd, List.of());
    }

    /**
     * Parses and checks a value given as text.
     *
     * @param key the setting as the user spelled it, for the message
     * @throws InvalidSettingException naming {@code key}, the value and what is expected
     */
    public T fromText(String text, String key) {
        T value;
        try {
            value = type.fromText(text);
        } catch (IllegalArgumentException e) {
            throw invalid(key, text, "is not " + type.description());
        }
        return checked(value, key);
    }

    /** Converts and checks a HOCON value ({@code ConfigValue.unwrapped()}); see {@link #fromText}. */
    public T fromHocon(Object unwrapped, String key) {
        T value;
        try {
            value = type.fromHocon(unwrapped);
        } catch (IllegalArgumentException e) {
            throw invalid(key, String.valueOf(unwrapped), "is not " + type.description());
        }
        return checked(value, key);
    }

    /** Converts (from a boxed or parsed form) and checks a value; see {@link #fromText}. */
    public T checked(Object raw, String key) {
        T value;
        try {
            value = type.coerce(raw);
        } catch (IllegalArgumentException e) {
            throw invalid(key, String.valueOf(raw), "is not " + type.description());
        }
        String problem = violation(value);
        if (problem != null) {
            throw invalid(key, text(value), problem);
        }
        return canonical.apply(value);
    }

    /** The default as text, as a SQL setting would spell it; empty for an unset string. */
    public String defaultText() {
        return text(defaultValue);
    }

    /** The value as text, as a SQL setting would spell it. */
    public String text(T value) {
        return type.toText(value);
    }

    /** Null when the value satisfies the rule, else the requirement it breaks. */
    String violation(T value) {
        if (value == null) {
            return "must be set";
        }
        return rule.violation(canonical.apply(value));
    }

    private static InvalidSettingException invalid(String key, String value, String problem) {
        return new InvalidSettingException(key + "='" + value + "' " + problem);
    }

    static String kebab(String camel) {
        StringBuilder out = new StringBuilder();
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                out.append('-').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return name;
    }

    /** Builds a {@link Setting}: the doc is required, the rest optional. */
    public static final class Builder<T> {
        private final String name;
        private final ValueType<T> type;
        private final T defaultValue;
        private Rule<T> rule = Rule.any();
        private UnaryOperator<T> canonical = UnaryOperator.identity();
        private String doc;
        private final Set<FrontEnd> frontEnds = EnumSet.noneOf(FrontEnd.class);
        private String hoconSection;
        private final Map<FrontEnd, List<String>> aliases = new EnumMap<>(FrontEnd.class);

        private Builder(String name, ValueType<T> type, T defaultValue) {
            this.name = name;
            this.type = type;
            this.defaultValue = defaultValue;
        }

        public Builder<T> doc(String text) {
            this.doc = text;
            return this;
        }

        public Builder<T> rule(Rule<T> check) {
            this.rule = check;
            return this;
        }

        /** A normal form applied before the rule, e.g. lower case for names. */
        public Builder<T> canonical(UnaryOperator<T> normalForm) {
            this.canonical = normalForm;
            return this;
        }

        /** A transformer param. */
        public Builder<T> transformer() {
            frontEnds.add(FrontEnd.TRANSFORMER);
            return this;
        }

        /** A Spark SQL session setting. */
        public Builder<T> sql() {
            frontEnds.add(FrontEnd.SQL);
            return this;
        }

        /** A job key in this HOCON section ({@code model}, {@code model.preprocessing}, ...). */
        public Builder<T> job(String section) {
            frontEnds.add(FrontEnd.JOB);
            this.hoconSection = section;
            return this;
        }

        /** In all three front ends, the job's key in {@code section}. */
        public Builder<T> everywhere(String section) {
            return transformer().sql().job(section);
        }

        /** An earlier spelling in {@code frontEnd} that keeps working. */
        public Builder<T> alias(FrontEnd frontEnd, String oldName) {
            aliases.computeIfAbsent(frontEnd, key -> new ArrayList<>()).add(oldName);
            return this;
        }

        public Setting<T> build() {
            return new Setting<>(this);
        }
    }
}
