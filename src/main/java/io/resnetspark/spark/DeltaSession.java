package io.resnetspark.spark;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.apache.spark.SparkConf;

/**
 * The session settings Delta Lake needs for SQL over its tables ({@code delta.`<path>`},
 * {@code CREATE TABLE ... USING delta}, time travel), merged into the settings a session is
 * built with: Delta's extension is added to any extensions already listed there or in the
 * properties spark-submit passed, and Delta's catalog is set unless another catalog was chosen.
 */
public final class DeltaSession {

    public static final String EXTENSIONS_KEY = "spark.sql.extensions";
    public static final String CATALOG_KEY = "spark.sql.catalog.spark_catalog";
    static final String EXTENSION = "io.delta.sql.DeltaSparkSessionExtension";
    static final String CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog";

    private DeltaSession() {}

    /**
     * @param given the session's settings so far (a spark.sql.extensions there replaces what
     *     spark-submit passed, as it would when the session is built)
     * @return the settings to add or replace
     */
    public static Map<String, String> settings(Map<String, String> given) {
        SparkConf submitted = new SparkConf(true); // spark.* system properties, as spark-submit sets them
        String extensions = given.getOrDefault(EXTENSIONS_KEY, submitted.get(EXTENSIONS_KEY, ""));
        Set<String> all = new LinkedHashSet<>();
        Arrays.stream(extensions.split(",")).map(String::strip).filter(s -> !s.isEmpty()).forEach(all::add);
        all.add(EXTENSION);
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(EXTENSIONS_KEY, String.join(",", all));
        if (!given.containsKey(CATALOG_KEY) && !submitted.contains(CATALOG_KEY)) {
            settings.put(CATALOG_KEY, CATALOG);
        }
        return settings;
    }
}
