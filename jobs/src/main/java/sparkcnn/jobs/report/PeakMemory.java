package sparkcnn.jobs.report;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The most memory this JVM has held: its heap pools' peaks (an upper bound of the heap's peak) and
 * its peak resident set (Linux's VmHWM, which counts ND4J's off-heap arrays too).
 */
public final class PeakMemory {
    private PeakMemory() {
    }

    public static long heapBytes() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    }

    /** Peak resident bytes, or -1 where /proc does not say. */
    public static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // not Linux
        }
        return -1;
    }

    public static void resetHeapPeaks() {
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    /** "peak memory: heap H MiB, resident R MiB (this JVM)". */
    public static String describe() {
        return String.format(Locale.ROOT, "peak memory: heap %d MiB, resident %d MiB (this JVM, max heap %d MiB)",
                heapBytes() >> 20, residentBytes() >> 20, Runtime.getRuntime().maxMemory() >> 20);
    }
}
