package sparkcnn.kernels.backend;

import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prepares ND4J's native CPU backend in this JVM: DL4J's oneDNN layer helpers on, and a fixed
 * number of OpenMP threads per worker.
 *
 * <p>Both settings are silently wrong by default in DL4J/ND4J 1.0.0-M2: the helpers are disabled
 * by a system property that defaults to "true" (and by a stale class lookup, answered by the
 * {@code org.nd4j.nativeblas.Nd4jCpu} shim in this module), and ND4J starts more OpenMP threads than
 * there are cores, ignoring {@code OMP_NUM_THREADS}.
 */
public final class NativeBackend {
    /** Read by DL4J each time a layer creates its helper; "true" (the default) means no oneDNN. */
    static final String HELPERS_DISABLE_PROPERTY = "org.eclipse.deeplearning4j.helpers.disable";

    private static final Logger log = LoggerFactory.getLogger(NativeBackend.class);
    private static BackendInfo current;

    private NativeBackend() {
    }

    /**
     * Sets up the backend for workers that each use {@code threads} OpenMP threads, and this thread
     * to use that many: OpenMP's thread count is the calling thread's own (a Spark task thread that
     * did not set it runs oneDNN on as many threads as the machine has cores, beside the other
     * workers: 2 x 2 threads on 2 cores, and oneDNN's spinning barriers then wait out whole time
     * slices). Call it in every thread that computes. Otherwise idempotent: a second call with the
     * same thread count logs nothing, another count re-applies the setting.
     */
    public static synchronized BackendInfo init(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("worker threads must be >= 1, got " + threads);
        }
        String backend = Nd4j.getBackend().getClass().getSimpleName();
        // NativeOpsHolder only initialises once Nd4j.getBackend() has loaded the native library.
        var nativeOps = NativeOpsHolder.getInstance().getDeviceNativeOps();
        nativeOps.setOmpNumThreads(threads);
        if (current != null && current.threads() == threads) {
            return current;
        }
        System.setProperty(HELPERS_DISABLE_PROPERTY, "false");
        String buildInfo = nativeOps.buildInfo();
        current = new BackendInfo(
                backend,
                Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend", "?"),
                buildInfo.contains("HAVE_ONEDNN"),
                BaseMKLDNNHelper.mklDnnEnabled() && !Boolean.getBoolean(HELPERS_DISABLE_PROPERTY),
                nativeOps.ompGetMaxThreads(),
                Nd4j.dataType().toString());
        // Once per worker JVM (and again if the thread count changes): what this JVM computes with.
        log.info("backend: {}", current.describe());
        if (!current.oneDnnHelpersActive() && current.device().equalsIgnoreCase("CPU")) {
            log.warn("DL4J's oneDNN layer helpers are OFF: convolutions will run several times slower");
        }
        return current;
    }

    /** The state set by the last {@link #init(int)}, or null before the first. */
    public static synchronized BackendInfo current() {
        return current;
    }
}
