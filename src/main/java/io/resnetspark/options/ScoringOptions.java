package io.resnetspark.options;

import io.resnetspark.image.HighBitDepth;
import io.resnetspark.image.PreprocessConfig;
import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.function.Function;

/**
 * One validated value for every scoring setting of {@link ScoringSettings}: what the transformer,
 * the SQL functions and the job hand to the scoring code. Immutable and serializable (plain values
 * keyed by setting name), so it travels with tasks and can be part of a plan node.
 */
public final class ScoringOptions implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final ScoringOptions DEFAULTS = new ScoringOptions(defaultValues());

    private final Map<String, Object> values;

    private ScoringOptions(Map<String, Object> values) {
        this.values = values;
    }

    /** Every setting at its default. */
    public static ScoringOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Reads the settings {@code frontEnd} offers through {@code lookup}, which returns the raw value a
     * spelling was given (text, a HOCON value or a param value), or empty when it was not given.
     * The setting's own spelling wins over its old names; an old name logs a deprecation note.
     * Settings the front end does not offer keep their defaults.
     *
     * @throws InvalidSettingException naming the first bad value as the front end spells it
     */
    public static ScoringOptions read(FrontEnd frontEnd, Function<String, Optional<Object>> lookup) {
        Map<String, Object> values = defaultValues();
        for (Setting<?> setting : ScoringSettings.of(frontEnd)) {
            String spelling = setting.spelling(frontEnd);
            Optional<Object> raw = lookup.apply(spelling);
            if (raw.isEmpty()) {
                for (String alias : setting.aliases(frontEnd)) {
                    raw = lookup.apply(alias);
                    if (raw.isPresent()) {
                        Deprecations.renamed(alias, spelling);
                        spelling = alias;
                        break;
                    }
                }
            }
            if (raw.isPresent()) {
                values.put(setting.name(), convert(setting, raw.get(), spelling));
            }
        }
        ScoringOptions options = new ScoringOptions(values);
        options.checkTogether(frontEnd);
        return options;
    }

    private static Object convert(Setting<?> setting, Object raw, String spelling) {
        return raw instanceof String text ? setting.fromText(text, spelling) : setting.checked(raw, spelling);
    }

    /** These options with one setting changed (checked). */
    public <T> ScoringOptions with(Setting<T> setting, T value) {
        Map<String, Object> changed = new LinkedHashMap<>(values);
        changed.put(setting.name(), setting.checked(value, setting.name()));
        return new ScoringOptions(changed);
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        Object value = values.get(setting.name());
        return (T) (value instanceof double[] array ? array.clone() : value);
    }

    /** A string setting that is empty when unset (weights, labels), as an Optional. */
    public Optional<String> optional(Setting<String> setting) {
        String value = get(setting);
        return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    /** The preprocessing these settings describe. */
    public PreprocessConfig preprocessing() {
        int crop = get(ScoringSettings.CROP_SIZE);
        boolean normalize = get(ScoringSettings.NORMALIZE);
        return new PreprocessConfig(get(ScoringSettings.RESIZE_SIZE), crop, crop,
                normalize ? toFloats(get(ScoringSettings.MEAN)) : null, normalize ? toFloats(get(ScoringSettings.STD)) : null);
    }

    /** How the decoder turns high-bit-depth images into 8 bits. */
    public HighBitDepth highBitDepth() {
        return HighBitDepth.fromId(get(ScoringSettings.HIGH_BIT_DEPTH));
    }

    /**
     * The provenance of the preprocessing: the transform's signature, plus the high-bit-depth
     * choice when it is not PIL's default, so that outputs of different preprocessing never mix.
     */
    public String preprocessingSignature() {
        String signature = preprocessing().signature();
        return highBitDepth() == HighBitDepth.CLIP ? signature : signature + "|highbitdepth-" + highBitDepth().id();
    }

    /** Checks what no single setting can: a resize or a crop must fix the model input size. */
    private void checkTogether(FrontEnd frontEnd) {
        try {
            preprocessing();
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(ScoringSettings.RESIZE_SIZE.spelling(frontEnd) + " and "
                    + ScoringSettings.CROP_SIZE.spelling(frontEnd) + ": " + e.getMessage());
        }
    }

    private static Map<String, Object> defaultValues() {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Setting<?> setting : ScoringSettings.ALL) {
            values.put(setting.name(), setting.defaultValue());
        }
        return values;
    }

    private static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof ScoringOptions that) || !values.keySet().equals(that.values.keySet())) {
            return false;
        }
        for (Map.Entry<String, Object> entry : values.entrySet()) {
            if (!equalValues(entry.getValue(), that.values.get(entry.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    /** The settings that differ from their defaults, {@code name=value}, for plans and logs. */
    @Override
    public String toString() {
        StringJoiner out = new StringJoiner(", ", "{", "}");
        for (Setting<?> setting : ScoringSettings.ALL) {
            if (!equalValues(values.get(setting.name()), setting.defaultValue())) {
                out.add(setting.name() + "=" + textOf(setting));
            }
        }
        return out.toString();
    }

    private <T> String textOf(Setting<T> setting) {
        return setting.text(get(setting));
    }

    private static boolean equalValues(Object a, Object b) {
        return Arrays.deepEquals(new Object[] {a}, new Object[] {b});
    }
}
