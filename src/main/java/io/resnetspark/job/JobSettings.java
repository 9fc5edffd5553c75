package io.resnetspark.job;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import io.resnetspark.options.FrontEnd;
import io.resnetspark.options.InvalidSettingException;
import io.resnetspark.options.ScoringOptions;
import io.resnetspark.options.ScoringSettings;
import io.resnetspark.options.Setting;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scoring settings as the job's HOCON keys ({@code model.batch-size}, {@code
 * model.preprocessing.resize-size}, ...): their defaults come from {@link ScoringSettings}, and
 * keys a setting had before ({@code model.threads}) are moved to the current key when a layer is
 * read, with a deprecation note, so that layer precedence holds whichever name a layer uses.
 */
final class JobSettings {

    private static final Logger LOG = LoggerFactory.getLogger(JobSettings.class);

    private JobSettings() {}

    /** Every scoring key the job knows, at its default (unset strings as null). */
    static Config defaults() {
        Map<String, Object> values = new HashMap<>();
        for (Setting<?> setting : ScoringSettings.of(FrontEnd.JOB)) {
            values.put(setting.hoconKey(), hoconValue(setting.defaultValue()));
        }
        return ConfigFactory.parseMap(values, "scoring settings (io.resnetspark.options.ScoringSettings)");
    }

    private static Object hoconValue(Object value) {
        if (value instanceof double[] numbers) {
            return Arrays.stream(numbers).boxed().collect(Collectors.toList());
        }
        return "".equals(value) ? null : value;
    }

    /** {@code layer} with every old key name replaced by the current one. */
    static Config withCurrentNames(Config layer) {
        Config renamed = layer;
        for (Setting<?> setting : ScoringSettings.of(FrontEnd.JOB)) {
            for (String alias : setting.aliases(FrontEnd.JOB)) {
                if (renamed.hasPathOrNull(alias)) {
                    LOG.warn("job key '{}' is deprecated and will be removed in a later release; use '{}' (same meaning)",
                            alias, setting.hoconKey());
                    ConfigValue value = renamed.getValue(alias);
                    renamed = renamed.withoutPath(alias).withValue(setting.hoconKey(), value);
                }
            }
        }
        return renamed;
    }

    /**
     * The scoring options of a resolved job configuration.
     *
     * @throws JobConfigException naming the key of the first bad value
     */
    static ScoringOptions read(Config resolved) {
        try {
            return ScoringOptions.read(FrontEnd.JOB, key -> resolved.getIsNull(key)
                    ? Optional.empty() : Optional.of(resolved.getValue(key).unwrapped()));
        } catch (InvalidSettingException e) {
            throw new JobConfigException(e.getMessage(), e);
        }
    }
}
