package sparkcnn.kernels.layers;

import java.util.function.Supplier;

/** A system property set for one piece of work, as it was afterwards (the graph builder reads its switches there). */
final class SystemProperty {
    private SystemProperty() {
    }

    static <T> T with(String key, String value, Supplier<T> work) {
        String previous = System.getProperty(key);
        System.setProperty(key, value);
        try {
            return work.get();
        } finally {
            if (previous == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, previous);
            }
        }
    }
}
