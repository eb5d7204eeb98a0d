package sparkcnn.kernels.backend;

import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.factory.Nd4jBackend;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The {@code backend} a job asks for: {@code auto} takes ND4J CUDA where it loads and sees a GPU,
 * else the CPU; {@code cpu} and {@code cuda} insist, and say why when they cannot be had.
 *
 * <p>ND4J picks its backend once per JVM, when it first loads: the CUDA backend (in a {@code -Pcuda}
 * build) wins when its native libraries load and a device is visible, else the CPU backend next to
 * it. The environment variable {@code BACKEND_PRIORITY_CPU} (read by ND4J at that moment) can make
 * the CPU win on a GPU machine; sparkcnn sets it for executors when the job asks for {@code cpu}.
 */
public enum BackendChoice {
    AUTO, CPU, CUDA;

    static final String CUDA_BACKEND = "org.nd4j.linalg.jcublas.JCublasBackend";
    /** ND4J's own switch: the CPU backend's priority (the CUDA backend's is 100). */
    public static final String CPU_PRIORITY_ENV = "BACKEND_PRIORITY_CPU";
    public static final String CPU_PRIORITY_OVER_CUDA = "1000";

    public static BackendChoice parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("backend must be auto, cpu or cuda, got '" + text + "'");
        }
    }

    /** Environment variables a JVM needs for ND4J to load this choice (for executors). */
    public Map<String, String> environment() {
        return this == CPU ? Map.of(CPU_PRIORITY_ENV, CPU_PRIORITY_OVER_CUDA) : Map.of();
    }

    /**
     * Loads ND4J (if not yet loaded) and checks its backend against this choice.
     *
     * @return one line for the log: backend, device, cuDNN or oneDNN, memory limits
     * @throws BackendUnavailableException where the choice cannot be had here, saying why
     */
    public String verify() {
        Nd4jBackend loaded;
        try {
            loaded = Nd4j.getBackend();
        } catch (Throwable e) {
            throw new BackendUnavailableException("ND4J could not load any backend: " + rootMessage(e));
        }
        boolean onCuda = loaded.getClass().getName().equals(CUDA_BACKEND);
        if (this == CUDA && !onCuda) {
            throw new BackendUnavailableException("backend = cuda, but " + whyNoCuda()
                    + "; backend = auto would train on the CPU instead");
        }
        if (this == CPU && onCuda) {
            throw new BackendUnavailableException("backend = cpu, but ND4J already loaded its CUDA backend in this "
                    + "JVM; start it with the environment variable " + CPU_PRIORITY_ENV + "=" + CPU_PRIORITY_OVER_CUDA);
        }
        return describe(onCuda);
    }

    /** Whether ND4J loaded its CUDA backend in this JVM. */
    public static boolean onCuda() {
        return Nd4j.getBackend().getClass().getName().equals(CUDA_BACKEND);
    }

    /** Why ND4J is not on CUDA here, in the words a user can act on. */
    static String whyNoCuda() {
        Class<?> cuda;
        try {
            cuda = Class.forName(CUDA_BACKEND);
        } catch (ClassNotFoundException e) {
            return "this build has no ND4J CUDA backend (build the GPU jar with mvn -Pcuda package)";
        }
        try {
            Nd4jBackend backend = (Nd4jBackend) cuda.getDeclaredConstructor().newInstance();
            if (!backend.isAvailable() || !backend.canRun()) {
                return "ND4J CUDA sees no usable GPU";
            }
            return "ND4J loaded its CPU backend first (" + CPU_PRIORITY_ENV + " is set?)";
        } catch (Throwable e) {
            return "ND4J CUDA cannot load here (it needs an NVIDIA driver, the CUDA 11.6 runtime and cuDNN 8): "
                    + rootMessage(e);
        }
    }

    private static String describe(boolean onCuda) {
        String build = NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo();
        String limits = String.format("off-heap limit %s, process limit %s", gib(Pointer.maxBytes()),
                gib(Pointer.maxPhysicalBytes()));
        if (!onCuda) {
            return String.format("CPU (ND4J native, oneDNN: %s), %s", build.contains("HAVE_ONEDNN") ? "yes" : "no",
                    limits);
        }
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        return String.format("CUDA (ND4J CUDA, cuDNN: %s), device %s of %s: %s, %s",
                build.contains("HAVE_CUDNN") ? "yes" : "no", Nd4j.getAffinityManager().getDeviceForCurrentThread(),
                Nd4j.getAffinityManager().getNumberOfDevices(), env.getOrDefault("cuda.devicesInformation", "?"), limits);
    }

    private static String gib(long bytes) {
        return bytes <= 0 ? "none" : String.format("%.1f GiB", bytes / (double) (1L << 30));
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
