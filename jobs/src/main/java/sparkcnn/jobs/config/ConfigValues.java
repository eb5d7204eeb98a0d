package sparkcnn.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueType;

/**
 * Typed reads of config values with errors that name the key. Stricter than Typesafe Config's own
 * getters, which truncate 2.9 to 2 for an int and accept NaN for a double.
 */
public final class ConfigValues {
    private ConfigValues() {
    }

    /** A whole number: 3 or 3.0, not 2.9 or "three". */
    public static int integer(Config c, String key, String where) {
        String name = where == null ? key : where + "." + key;
        if (c.getValue(key).valueType() != ConfigValueType.NUMBER) {
            throw new ConfigException.BadValue(name, "expected a whole number, got " + c.getValue(key).render());
        }
        double value = c.getDouble(key);
        if (value != Math.rint(value) || Math.abs(value) > Integer.MAX_VALUE) {
            throw new ConfigException.BadValue(name, "expected a whole number, got " + c.getValue(key).render());
        }
        return (int) value;
    }

    public static int positive(Config c, String key) {
        return positive(c, key, null);
    }

    /** {@code key} read inside a list element, reported as {@code where.key}. */
    public static int positive(Config c, String key, String where) {
        int value = integer(c, key, where);
        if (value < 1) {
            throw new ConfigException.BadValue(where == null ? key : where + "." + key, "must be >= 1, got " + value);
        }
        return value;
    }

    public static int nonNegative(Config c, String key) {
        int value = integer(c, key, null);
        if (value < 0) {
            throw new ConfigException.BadValue(key, "must be >= 0, got " + value);
        }
        return value;
    }

    /** A finite number in [min, max]. */
    public static double number(Config c, String key, double min, double max) {
        double value = c.getDouble(key);
        if (!Double.isFinite(value) || value < min || value > max) {
            throw new ConfigException.BadValue(key, "must be a number in [" + min + ", " + max + "], got "
                    + c.getValue(key).render());
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
