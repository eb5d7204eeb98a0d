package sparkcnn.jobs.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sparkcnn.driver.FashionMnist;
import sparkcnn.jobs.Main;
import sparkcnn.jobs.MainRunner;

/**
 * SIGTERM to a sweep with two trials running: both checkpoint and stop after their round, the sweep
 * says how to continue and exits 143; started again, it finishes with every trial's epochs once.
 */
class SweepStopTest {
    @TempDir
    Path dir;

    @Test
    void sigtermCheckpointsTheRunningTrialsAndTheNextStartFinishesThem() throws Exception {
        FashionMnist.require();
        SweepTest.writeBase(dir);
        Path sweepDir = dir.resolve("sweep");
        Path sweepFile = dir.resolve("sweep.conf");
        Files.writeString(sweepFile, """
                sweep {
                  base = base.conf
                  dir = "%s"
                  keys { "train.optimizer.learning-rate" = [0.01, 0.003, 0.001, 0.0003] }
                  set { "train.epochs" = 2, "train.checkpoint-every-rounds" = 2, "train.averaging-frequency" = 1 }
                  parallel = 2
                }
                """.formatted(sweepDir));
        Path log = dir.resolve("sweep.log");
        Process sweep = startChild(List.of("sweep", "--config", sweepFile.toString(), "--master", "local[4]"), log);
        for (int i = 0; i < 1800 && !(Files.exists(sweepDir.resolve("trial-1/checkpoints/LATEST"))
                && Files.exists(sweepDir.resolve("trial-2/checkpoints/LATEST"))); i++) {
            assertTrue(sweep.isAlive(), "the sweep ended before both trials checkpointed:\n" + Files.readString(log));
            Thread.sleep(100);
        }
        sweep.destroy(); // SIGTERM
        assertTrue(sweep.waitFor(30, TimeUnit.SECONDS), "still running 30 s after SIGTERM");
        String out = Files.readString(log);
        assertEquals(143, sweep.exitValue(), out.substring(Math.max(0, out.length() - 3000)));
        assertTrue(out.contains("[trial-1] stopped by SIGTERM") && out.contains("[trial-2] stopped by SIGTERM"), out);
        assertTrue(out.contains("sparkcnn: sweep stopped by SIGTERM") && out.contains("continue with: sparkcnn sweep"), out);
        assertTrue(!out.contains("failed after"), "a stopped trial counted as failed:\n" + out);
        assertTrue(out.lines().noneMatch(l -> l.startsWith("\tat ")), "a stack trace on the console:\n" + out);

        var again = MainRunner.run("sweep", "--config", sweepFile.toString(), "--master", "local[4]");
        assertEquals(0, again.status(), again.err());
        assertTrue(again.out().contains("[trial-1] resuming") && again.out().contains("[trial-2] resuming"), again.out());
        for (String trial : List.of("trial-1", "trial-2", "trial-3", "trial-4")) {
            List<String> epochs = Files.readAllLines(sweepDir.resolve(trial).resolve("metrics.jsonl")).stream()
                    .filter(l -> l.contains("\"event\":\"epoch\"")).map(l -> l.replaceAll(".*\"epoch\":(\\d+).*", "$1"))
                    .toList();
            assertEquals(List.of("1", "2"), epochs, trial + ": every epoch once");
        }
    }

    /** The CLI in a JVM of its own, which the test can send SIGTERM. */
    private static Process startChild(List<String> args, Path log) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> !a.startsWith("-agentlib:jdwp")).toList());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }
}
