package sparkcnn.driver;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;

/**
 * A worker that ran out of memory, as the driver learns of it: the executor's own
 * {@code OutOfMemoryError} (heap, or ND4J's off-heap arrays past {@code org.bytedeco.javacpp.maxbytes}),
 * or the executor gone with Spark's out-of-memory exit code 52, or killed by its cluster manager for
 * passing its memory limit; and the limits an executor has, to say which key to change.
 */
public final class WorkerMemory {
    private static final Pattern SIGNS = Pattern.compile("(java\\.lang\\.OutOfMemoryError[^\\n]*"
            + "|exited with code 52|exit code 52|exit code: 52|exceeding (?:physical |virtual )?memory limits|OOMKilled)");

    private WorkerMemory() {
    }

    /** The words of the failure that say a worker ran out of memory, if {@code failure} is one. */
    public static Optional<String> outOfMemory(Throwable failure) {
        for (Throwable t : Causes.of(failure)) {
            if (t instanceof OutOfMemoryError) {
                return Optional.of(t.toString());
            }
            Matcher m = SIGNS.matcher(String.valueOf(t.getMessage()));
            if (m.find()) {
                return Optional.of(m.group(1).length() > 200 ? m.group(1).substring(0, 200) + "..." : m.group(1));
            }
        }
        return Optional.empty();
    }

    /**
     * Runs a worker's part of a task where running out of memory is a task's failure, not the
     * executor's: Spark ends an executor (in local mode the whole application, with status 52) on an
     * {@code OutOfMemoryError} anywhere in a task's causes, while ND4J's refusal to pass its off-heap
     * limit leaves the JVM sound. The error's words travel on, for {@link #outOfMemory} to find.
     */
    public static <T> T asTaskFailure(java.util.function.Supplier<T> work) {
        try {
            return work.get();
        } catch (RuntimeException | OutOfMemoryError e) {
            var oom = Causes.of(e).stream().filter(OutOfMemoryError.class::isInstance).findFirst();
            if (oom.isPresent()) {
                throw new IllegalStateException("worker out of memory: " + oom.get()); // no cause: not fatal to Spark
            }
            throw e;
        }
    }

    /** An executor's memory: heap, ND4J's off-heap limit, the process limit (local mode: this JVM's). */
    public static String limits(SparkConf conf, boolean local) {
        if (local) {
            return String.format(Locale.ROOT, "this JVM (local mode) has a heap of %d MiB (-Xmx), an off-heap limit of "
                    + "%d MiB (-Dorg.bytedeco.javacpp.maxbytes) and a process limit of %d MiB "
                    + "(-Dorg.bytedeco.javacpp.maxphysicalbytes)", Runtime.getRuntime().maxMemory() >> 20,
                    org.bytedeco.javacpp.Pointer.maxBytes() >> 20, org.bytedeco.javacpp.Pointer.maxPhysicalBytes() >> 20);
        }
        String options = conf.get("spark.executor.extraJavaOptions", "");
        return String.format(Locale.ROOT, "an executor has spark.executor.memory = %s (heap), "
                        + "spark.executor.memoryOverhead = %s, off-heap limit %s and process limit %s "
                        + "(spark.executor.extraJavaOptions)",
                conf.get("spark.executor.memory", "1g"),
                conf.get("spark.executor.memoryOverhead", "Spark's default (10% of it, at least 384m)"),
                flag(options, "org.bytedeco.javacpp.maxbytes"),
                flag(options, "org.bytedeco.javacpp.maxphysicalbytes"));
    }

    private static String flag(String options, String name) {
        Matcher m = Pattern.compile("-D" + Pattern.quote(name) + "=(\\S+)").matcher(options);
        return m.find() ? name + " = " + m.group(1) : name + " unset";
    }
}
