package sparkcnn.jobs.bench;

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

    private PeerProcess() {
    }

    static Outcome run(List<String> command, long timeoutMinutes) throws IOException, InterruptedException {
        File errors = File.createTempFile("sparkcnn-peer", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectError(errors).start();
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
