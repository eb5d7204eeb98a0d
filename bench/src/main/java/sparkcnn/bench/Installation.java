package sparkcnn.bench;

import java.io.File;
import java.nio.file.Path;

/**
 * Where the benchmarks find their files (the PyTorch peer, job configs) and write their results by
 * default: the sparkcnn installation that bin/sparkcnn names in {@code -Dsparkcnn.home}, not the
 * working directory (a JVM started otherwise falls back to it).
 */
public final class Installation {
    public static final String HOME_PROPERTY = "sparkcnn.home";

    private Installation() {
    }

    public static Path home() {
        return Path.of(System.getProperty(HOME_PROPERTY, "")).toAbsolutePath();
    }

    /** A file of the installation, e.g. {@code bench/peer/torch_bench.py}. */
    public static Path file(String relative) {
        return home().resolve(relative);
    }

    /** {@code given} where the user named one (relative to the working directory), else the installation's. */
    public static File orDefault(File given, String relative) {
        return given != null ? given : file(relative).toFile();
    }
}
