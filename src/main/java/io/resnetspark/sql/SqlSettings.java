package io.resnetspark.sql;

import io.resnetspark.options.FrontEnd;
import io.resnetspark.options.InvalidSettingException;
import io.resnetspark.options.ScoringOptions;
import java.util.Optional;
import org.apache.spark.sql.internal.SQLConf;

/**
 * The scoring settings as Spark SQL session settings, {@code spark.resnet.<name>} ({@code SET
 * key=value}, {@code --conf}, the session builder): the names, defaults and rules are those of
 * {@link io.resnetspark.options.ScoringSettings}.
 */
final class SqlSettings {

    private SqlSettings() {}

    /**
     * The session's scoring options.
     *
     * @throws InvalidSettingException naming the first bad setting
     */
    static ScoringOptions read(SQLConf conf) {
        return ScoringOptions.read(FrontEnd.SQL, key -> Optional.ofNullable(conf.getConfString(key, null)));
    }

    /** Null when the session's settings are usable, else what is wrong, naming the setting. */
    static String problem(SQLConf conf) {
        try {
            read(conf);
            return null;
        } catch (InvalidSettingException e) {
            return e.getMessage();
        }
    }
}
