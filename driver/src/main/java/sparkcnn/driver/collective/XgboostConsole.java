package sparkcnn.driver.collective;

import com.sun.jna.Callback;
import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * XGBoost's native library writes its console lines ({@code [12:00:00] Task 1 got rank 1}, each time
 * a worker joins a ring) to the process's standard error: in local mode the user's terminal, where
 * two workers' lines run together. Its C API takes a log callback, per thread
 * ({@code XGBRegisterLogCallback}, which XGBoost4J does not bind): a thread about to join a ring
 * routes them, through JNA, to this class's log, at debug level (its warnings at warn). Where that
 * cannot be done (a library not found in /proc/self/maps, as off Linux) they stay on standard error.
 */
public final class XgboostConsole {
    private static final Logger log = LoggerFactory.getLogger(XgboostConsole.class);
    /** The native side keeps the callback's address: it lives as long as the JVM. */
    private static final LineCallback TO_LOG = new LineCallback();
    private static volatile Optional<Function> register;

    private XgboostConsole() {
    }

    /** {@code void (*)(const char*)}: one console line. */
    public static final class LineCallback implements Callback {
        public void invoke(String line) {
            if (line.contains("WARNING:")) {
                log.warn("xgboost: {}", line);
            } else {
                log.debug("xgboost: {}", line);
            }
        }
    }

    /** Routes the console lines XGBoost writes on this thread to the log; true where it could. */
    public static boolean routeToLog() {
        return register().map(f -> f.invokeInt(new Object[] {TO_LOG}) == 0).orElse(false);
    }

    private static Optional<Function> register() {
        if (register == null) {
            synchronized (XgboostConsole.class) {
                if (register == null) {
                    register = loadedLibrary().map(path -> NativeLibrary.getInstance(path)
                            .getFunction("XGBRegisterLogCallback"));
                }
            }
        }
        return register;
    }

    /** The file XGBoost4J loaded its native library from (a temporary copy of its own). */
    private static Optional<String> loadedLibrary() {
        try {
            Class.forName("ml.dmlc.xgboost4j.java.XGBoostJNI", true, XgboostConsole.class.getClassLoader());
            return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                    .map(line -> line.split("\\s+", 6)) // address, permissions, offset, device, inode, file
                    .filter(fields -> fields.length == 6)
                    .map(fields -> fields[5])
                    .filter(file -> file.contains("xgboost4j") && file.endsWith(".so"))
                    .findFirst();
        } catch (IOException | ClassNotFoundException | UnsatisfiedLinkError e) {
            log.info("XGBoost's console lines stay on standard error: {}", e.toString());
            return Optional.empty();
        }
    }
}
