package sparkcnn.driver.data;

import java.util.Locale;

/** What to do with a file that does not decode: {@link #SKIP} it (counted and named), or {@link #FAIL} the job. */
public enum BadImagePolicy {
    SKIP, FAIL;

    public static BadImagePolicy parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown bad-image policy '" + name + "': expected skip or fail");
        }
    }
}
