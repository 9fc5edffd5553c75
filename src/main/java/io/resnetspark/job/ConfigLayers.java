package io.resnetspark.job;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Builds the job's configuration from its layers. Precedence, lowest first:
 *
 * <ol>
 *   <li>the defaults (io/resnetspark/job/defaults.conf in the jar),
 *   <li>the job config file ({@code --config FILE}, HOCON),
 *   <li>the named flags ({@code --input}, {@code --output}, {@code --arch}, ...),
 *   <li>{@code --conf key=value}, in the order given.
 * </ol>
 *
 * {@code --conf} keys starting with {@code spark.} are Spark properties and go to the Spark
 * session instead. Unknown keys are an error, so a typo never silently falls back to a default.
 */
final class ConfigLayers {

    private static final String DEFAULTS = "io/resnetspark/job/defaults.conf";

    /** The job's own keys (defaults.conf) and the scoring settings' keys, at their defaults. */
    private final Config defaults = ConfigFactory.parseResources(ConfigLayers.class.getClassLoader(), DEFAULTS,
            ConfigParseOptions.defaults().setAllowMissing(false)).withFallback(JobSettings.defaults());
    private Config user = ConfigFactory.empty();
    private final Map<String, String> sparkProperties = new LinkedHashMap<>();

    /** Adds the job config file. */
    ConfigLayers file(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new JobConfigException("config file " + file + " does not exist");
        }
        try {
            user = JobSettings.withCurrentNames(
                    ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false)))
                    .withFallback(user);
        } catch (ConfigException e) {
            throw new JobConfigException("config file " + file + ": " + e.getMessage(), e);
        }
        return this;
    }

    /** Sets one job key (a flag, or a --conf override), above everything set before. */
    ConfigLayers set(String key, Object value) {
        try {
            ConfigValue configValue = value instanceof ConfigValue given ? given : ConfigValueFactory.fromAnyRef(value);
            user = JobSettings.withCurrentNames(ConfigFactory.empty().withValue(key, configValue)).withFallback(user);
        } catch (ConfigException e) {
            throw new JobConfigException("bad key '" + key + "': " + e.getMessage(), e);
        }
        return this;
    }

    /** A {@code key=value} override: a Spark property ({@code spark.*}) or a job key. */
    ConfigLayers override(String assignment) {
        int equals = assignment.indexOf('=');
        if (equals <= 0) {
            throw new JobConfigException("--conf expects key=value, got '" + assignment + "'");
        }
        String key = assignment.substring(0, equals).trim();
        String value = assignment.substring(equals + 1).trim();
        if (key.startsWith("spark.")) {
            sparkProperties.put(key, value);
            return this;
        }
        try {
            // Parse the value as HOCON so that numbers, booleans and lists keep their types.
            ConfigValue parsed = ConfigFactory.parseString("v = " + value).getValue("v");
            set(key, parsed);
        } catch (ConfigException e) {
            set(key, value);
        }
        return this;
    }

    Map<String, String> sparkProperties() {
        return sparkProperties;
    }

    /** The resolved configuration, after checking that every key set is a known one. */
    Config resolve() {
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, ConfigValue> entry : user.entrySet()) {
            if (!defaults.hasPathOrNull(entry.getKey())) {
                unknown.add(entry.getKey());
            }
        }
        if (!unknown.isEmpty()) {
            throw new JobConfigException("unknown config key(s): " + String.join(", ", new TreeSet<>(unknown))
                    + " (the job's keys are listed in defaults.conf, the scoring settings in README.md, \"Settings\")");
        }
        try {
            return user.withFallback(defaults).resolve();
        } catch (ConfigException e) {
            throw new JobConfigException(e.getMessage(), e);
        }
    }

    /** The configuration as HOCON, for the log line at start. */
    static String render(Config config) {
        return config.root().render(ConfigRenderOptions.concise().setFormatted(false).setJson(false));
    }
}
