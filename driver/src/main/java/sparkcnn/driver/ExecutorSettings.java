package sparkcnn.driver;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.network.util.JavaUtils;
import sparkcnn.kernels.backend.BackendChoice;

/**
 * Executor settings sparkcnn derives where the user set none: ND4J's off-heap limits from the
 * executor's memory, the backend's environment, and one worker per GPU.
 *
 * <p>The memory rule: ND4J keeps its arrays off the Java heap, and a cluster manager kills an
 * executor whose process grows past {@code spark.executor.memory + memoryOverhead}. So the whole
 * process is capped there ({@code org.bytedeco.javacpp.maxphysicalbytes}), and ND4J's arrays at the
 * overhead less 384 MiB for the JVM's own native memory (threads, metaspace, JIT, Netty buffers)
 * ({@code org.bytedeco.javacpp.maxbytes}, at least 512 MiB). The overhead is Spark's:
 * {@code spark.executor.memoryOverhead}, else {@code memoryOverheadFactor} (0.1) of the memory, at
 * least 384 MiB. ND4J then collects garbage (freeing arrays) before it would pass a limit.
 *
 * <p>glibc: ND4J allocates and frees large buffers for every op; by default glibc hands each back
 * to the kernel (munmap) and maps it again on the next step. {@link #GLIBC_TUNABLES} keeps freed
 * memory in the process, as PyTorch's users set it: 1.23x training img/s for DenseNet-BC-40 in one
 * process, 1.09x as deployed (2 workers, averaging every 5), for 12% more resident memory
 * (bench/results/glibc-default.md). Set GLIBC_TUNABLES (even empty) to choose otherwise.
 *
 * <p>OpenMP: after each parallel region libgomp's idle threads spin for a while (GOMP_SPINCOUNT,
 * 300,000 by default), taking the cores that the next kernel - often a Java one, the BN-ReLU -
 * wants; {@link #GOMP_SPINCOUNT} 0 lets them sleep at once: DenseNet-BC-40 steps 0.48 s instead of
 * 0.55-0.59 s with 2 threads (2026-11-26, bench profile). Set GOMP_SPINCOUNT to choose otherwise.
 *
 * <p>Killed tasks: a ring worker blocked in XGBoost's native all-reduce when its peer dies does not
 * see Spark's interrupt, so its task keeps the executor's slot and the ring's restart waits for a
 * slot until {@code train.allreduce.timeout}. Spark's task reaper ends an executor whose killed task
 * has not stopped within {@link #KILL_TIMEOUT}; the cluster manager starts a fresh one in its place
 * (local mode never ends its JVM). Set {@code spark.task.reaper.*} to choose otherwise.
 */
public final class ExecutorSettings {
    static final long MIB = 1L << 20;
    static final long JVM_NATIVE_RESERVE = 384 * MIB;
    /**
     * glibc keeps freed memory (ND4J's buffers) in one arena: with an arena per thread, XGBoost's
     * ring threads map and unmap a heap for every reduce of a large state (0.23 s instead of 0.05 s
     * for DenseNet-121's between two workers); ND4J trains as fast in one arena.
     */
    public static final String GLIBC_TUNABLES = "glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=68719476736:glibc.malloc.arena_max=1";
    public static final String GOMP_SPINCOUNT = "0";
    public static final String KILL_TIMEOUT = "60s";

    private ExecutorSettings() {
    }

    public static void apply(SparkConf conf, BackendChoice backend) {
        String options = conf.get("spark.executor.extraJavaOptions", "");
        if (!options.contains("org.bytedeco.javacpp.max")) {
            conf.set("spark.executor.extraJavaOptions", (options + " " + offHeapLimits(conf)).trim());
        }
        conf.setIfMissing("spark.executorEnv.GLIBC_TUNABLES",
                System.getenv().getOrDefault("GLIBC_TUNABLES", GLIBC_TUNABLES));
        conf.setIfMissing("spark.executorEnv.GOMP_SPINCOUNT",
                System.getenv().getOrDefault("GOMP_SPINCOUNT", GOMP_SPINCOUNT));
        conf.setIfMissing("spark.task.reaper.enabled", "true");
        conf.setIfMissing("spark.task.reaper.killTimeout", KILL_TIMEOUT);
        for (Map.Entry<String, String> env : backend.environment().entrySet()) {
            conf.setIfMissing("spark.executorEnv." + env.getKey(), env.getValue());
        }
        // GPUs on the executors: each task (a worker) gets one GPU of its own
        if (backend != BackendChoice.CPU && conf.contains("spark.executor.resource.gpu.amount")) {
            conf.setIfMissing("spark.task.resource.gpu.amount", "1");
        }
    }

    /**
     * The {@code spark.executor.memoryOverhead} under which the memory rule lets ND4J hold
     * {@code arrays} bytes (a model's training memory, {@code sparkcnn inspect}), in MiB, rounded up.
     */
    public static long overheadMibFor(long arrays) {
        return Math.max(JVM_NATIVE_RESERVE, arrays + JVM_NATIVE_RESERVE + MIB - 1) / MIB;
    }

    /** The JVM flags of the memory rule above, for this conf's executor memory. */
    static String offHeapLimits(SparkConf conf) {
        long memory = bytes(conf, "spark.executor.memory", "1g");
        long overhead = conf.contains("spark.executor.memoryOverhead")
                ? bytes(conf, "spark.executor.memoryOverhead", "0")
                : Math.max(384 * MIB, (long) (conf.getDouble("spark.executor.memoryOverheadFactor", 0.1) * memory));
        long maxBytes = Math.max(512 * MIB, overhead - JVM_NATIVE_RESERVE);
        return String.format("-Dorg.bytedeco.javacpp.maxbytes=%dm -Dorg.bytedeco.javacpp.maxphysicalbytes=%dm",
                maxBytes / MIB, (memory + overhead) / MIB);
    }

    private static long bytes(SparkConf conf, String key, String fallback) {
        String value = conf.get(key, fallback);
        // Spark reads a unitless memory setting as MiB
        return value.chars().allMatch(Character::isDigit) ? Long.parseLong(value) * MIB : JavaUtils.byteStringAsBytes(value);
    }
}
