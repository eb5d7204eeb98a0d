package sparkcnn.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;

/** Typed reads of config values with errors that name the key. */
public final class ConfigValues {
    private ConfigValues() {
    }

    public static int positive(Config c, String key) {
        return positive(c, key, null);
    }

    /** {@code key} read inside a list element, reported as {@code where.key}. */
    public static int positive(Config c, String key, String where) {
        int value = c.getInt(key);
        if (value < 1) {
            throw new ConfigException.BadValue(where == null ? key : where + "." + key, "must be >= 1, got " + value);
        }
        return value;
    }

    public static String required(Config c, String key) {
        String value = c.getString(key);
        if (value.isBlank()) {
            throw new ConfigException.BadValue(key, "must be set");
        }
        return value;
    }
}
