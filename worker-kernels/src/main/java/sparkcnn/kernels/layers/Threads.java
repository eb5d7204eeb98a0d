package sparkcnn.kernels.layers;

import sparkcnn.kernels.backend.BackendInfo;
import sparkcnn.kernels.backend.NativeBackend;

/** The threads one worker may use for its own kernels: as many as it gave ND4J. */
final class Threads {
    private Threads() {
    }

    static int perWorker() {
        BackendInfo backend = NativeBackend.current();
        return backend == null ? Runtime.getRuntime().availableProcessors() : backend.threads();
    }
}
