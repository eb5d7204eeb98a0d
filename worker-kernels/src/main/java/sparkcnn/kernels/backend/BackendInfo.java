package sparkcnn.kernels.backend;

import java.io.Serializable;

/**
 * What a worker JVM computes with: the ND4J backend class, its device kind, whether the native
 * library was built with oneDNN, whether DL4J's oneDNN layer helpers are active, and the OpenMP
 * threads one worker uses.
 */
public record BackendInfo(String backendClass, String device, boolean builtWithOneDnn,
                          boolean oneDnnHelpersActive, int threads, String dataType) implements Serializable {

    /** One line for the run log. */
    public String describe() {
        return String.format("ND4J %s (%s, oneDNN build: %s), DL4J oneDNN layer helpers: %s, threads per worker: %d, dtype: %s",
                backendClass, device, yesNo(builtWithOneDnn), oneDnnHelpersActive ? "active" : "OFF", threads, dataType);
    }

    private static String yesNo(boolean b) {
        return b ? "yes" : "no";
    }
}
