package sparkcnn.kernels.layers;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Time spent in this module's own kernels, per kernel, for {@code bench profile}: ND4J's op profiler
 * sees only ND4J's ops, and a profile should account for the whole step.
 */
public final class KernelClock {
    private static final Map<String, LongAdder> NANOS = new ConcurrentHashMap<>();

    private KernelClock() {
    }

    static void time(String kernel, Runnable body) {
        long t0 = System.nanoTime();
        try {
            body.run();
        } finally {
            NANOS.computeIfAbsent(kernel, k -> new LongAdder()).add(System.nanoTime() - t0);
        }
    }

    public static void reset() {
        NANOS.clear();
    }

    /** Milliseconds per kernel since the last reset. */
    public static Map<String, Double> millis() {
        Map<String, Double> m = new TreeMap<>();
        NANOS.forEach((k, v) -> m.put(k, v.sum() / 1e6));
        return m;
    }
}
