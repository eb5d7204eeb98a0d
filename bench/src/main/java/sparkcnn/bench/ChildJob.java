package sparkcnn.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import sparkcnn.jobs.Main;

/** A sparkcnn command in a JVM of its own: its time, exit status and peak memory (its last lines say). */
final class ChildJob {
    private static final Pattern PEAK = Pattern.compile("peak memory: heap ([0-9]+) MiB, resident ([0-9]+) MiB");

    private ChildJob() {
    }

    /**
     * {@code java} with this JVM's flags and class path, a heap of {@code heapMb}, then {@code jvmFlags}
     * (later -D flags win over this JVM's), running sparkcnn's Main with {@code args}.
     */
    static List<String> command(int heapMb, List<String> jvmFlags, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> !a.startsWith("-Xmx") && !a.startsWith("-agentlib")).toList());
        command.add("-Xmx" + heapMb + "m");
        command.addAll(jvmFlags);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args);
        return command;
    }

    static Map<String, Object> run(String what, int heapMb, List<String> args, PrintStream out) {
        List<String> command = command(heapMb, List.of(), args);
        out.println(what + ": " + String.join(" ", args));
        try {
            long t0 = System.nanoTime();
            PeerProcess.Outcome outcome = PeerProcess.run(command, 60);
            double seconds = (System.nanoTime() - t0) / 1e9;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("what", what);
            m.put("exit", outcome.status());
            m.put("seconds", seconds);
            Matcher peak = PEAK.matcher(outcome.stdout());
            if (peak.find()) {
                m.put("peak_heap_mib", Long.parseLong(peak.group(1)));
                m.put("peak_rss_mib", Long.parseLong(peak.group(2)));
            }
            String tail = outcome.stdout().strip();
            m.put("last_line", tail.substring(tail.lastIndexOf('\n') + 1));
            if (outcome.status() != 0) {
                m.put("error", outcome.stderr().strip().lines().reduce((a, b) -> b).orElse(""));
            }
            out.printf(Locale.ROOT, "  %s: exit %d, %.0f s, %s%n", what, outcome.status(), seconds, m);
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
