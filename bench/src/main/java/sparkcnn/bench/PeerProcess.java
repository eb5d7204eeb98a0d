package sparkcnn.bench;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the PyTorch peer (or any command) to completion. Its stderr goes to a file while stdout is
 * read, so a peer that writes more than a pipe holds (64 KiB) to one stream while we read the
 * other cannot deadlock the bench.
 */
final class PeerProcess {
    /** Exit status, standard output and standard error. */
    record Outcome(int status, String stdout, String stderr) {
    }

    private static final String TCMALLOC = "/usr/lib/x86_64-linux-gnu/libtcmalloc.so.4";

    private PeerProcess() {
    }

    /** The Python that runs the peer: $SPARKCNN_PYTHON, else Debian's (where python3-torch installs). */
    static String python() {
        return System.getenv().getOrDefault("SPARKCNN_PYTHON", "/usr/bin/python3");
    }

    /** The PyTorch peer's script, from the installation. */
    static java.nio.file.Path script() {
        return Installation.file("bench/peer/torch_bench.py");
    }

    /** {@code command} in this process's environment. */
    static Outcome run(List<String> command, long timeoutMinutes) throws IOException, InterruptedException {
        return run(new ProcessBuilder(command), timeoutMinutes);
    }

    /**
     * The PyTorch peer, with OpenMP's own default spinning: sparkcnn's GOMP_SPINCOUNT=0 (see
     * bin/sparkcnn) slows PyTorch, whose whole step is OpenMP (2026-11-26: 0.45-0.47 s per
     * DenseNet-BC-40 step at the default, 0.46-0.51 s at 0).
     */
    static Outcome runPeer(List<String> command, long timeoutMinutes) throws IOException, InterruptedException {
        return runPeer(command, timeoutMinutes, java.util.Map.of());
    }

    /** PyTorch's fastest allocator here, tcmalloc (bench/results/allocators.md), where it is installed. */
    static java.util.Map<String, String> fastestAllocator() {
        return new File(TCMALLOC).isFile() ? java.util.Map.of("LD_PRELOAD", TCMALLOC) : java.util.Map.of();
    }

    /** The peer with {@code environment} added (an allocator preloaded). */
    static Outcome runPeer(List<String> command, long timeoutMinutes, java.util.Map<String, String> environment)
            throws IOException, InterruptedException {
        var builder = new ProcessBuilder(command);
        builder.environment().remove("GOMP_SPINCOUNT");
        builder.environment().putAll(environment);
        return run(builder, timeoutMinutes);
    }

    private static Outcome run(ProcessBuilder builder, long timeoutMinutes) throws IOException, InterruptedException {
        File errors = File.createTempFile("sparkcnn-peer", ".err");
        try {
            Process p = builder.redirectError(errors).start();
            String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return new Outcome(-1, stdout, "timed out after " + timeoutMinutes + " minutes");
            }
            return new Outcome(p.exitValue(), stdout, Files.readString(errors.toPath(), StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(errors.toPath());
        }
    }
}
