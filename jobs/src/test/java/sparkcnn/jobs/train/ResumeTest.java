package sparkcnn.jobs.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import sparkcnn.driver.FashionMnist;
import sparkcnn.driver.run.Checkpoint;
import sparkcnn.driver.run.RunLayout;
import sparkcnn.jobs.Main;
import sparkcnn.jobs.MainRunner;

/** Runs that are killed, resumed or diverge, on real Fashion-MNIST through Spark local[2]. */
class ResumeTest {
    /** 2 workers x 640 examples, batch 32, averaging every 2: 10 rounds per epoch; step schedule. */
    static List<String> job(Path runDir) {
        return job(runDir.toString());
    }

    /** The same in a run directory on any file system (an hdfs:// URI). */
    static List<String> job(String runDir) {
        return new ArrayList<>(List.of("train", "--config", "../conf/fashion-mnist-cnn.conf", "--master", "local[2]",
                "--set", "run.dir=" + runDir, "--set", "data.train.limit=1280", "--set", "data.test.limit=500",
                "--set", "train.epochs=3", "--set", "train.batch-size-per-worker=32",
                "--set", "train.averaging-frequency=2", "--set", "train.checkpoint-every-rounds=3",
                "--set", "train.schedule.type=step", "--set", "train.schedule.steps=[0.6]",
                "--set", "model.stages=[{convs=1, filters=8, size=3, pool=true}]", "--set", "model.hidden=[32]"));
    }

    private static List<String> withEngine(List<String> job, String engine) {
        job.addAll(List.of("--set", "train.engine=" + engine));
        return job;
    }

    static float[] params(Path runDir) throws IOException {
        return ModelSerializer.restoreComputationGraph(runDir.resolve("model.zip").toFile(), false).params().toFloatVector();
    }

    /** Under each engine that can resume: the ring between the workers and the driver's averaging. */
    @ParameterizedTest
    @ValueSource(strings = {"allreduce", "driver"})
    void aKilledRunResumesToTheSameParametersAsAnUninterruptedOne(String engine, @TempDir Path dir) throws Exception {
        FashionMnist.require();
        Path whole = dir.resolve("whole");
        var uninterrupted = MainRunner.run(withEngine(job(whole), engine).toArray(String[]::new));
        assertEquals(0, uninterrupted.status(), uninterrupted.err());

        // The same run in its own JVM, killed (SIGKILL) once it has checkpointed in the middle of epoch 2
        Path killed = dir.resolve("killed");
        Process child = startChild(withEngine(job(killed), engine), dir.resolve("child.log"));
        awaitCheckpoint(child, killed, "epoch-0001-round-000003", dir.resolve("child.log"));
        // while it runs, nothing else may write to its directory
        var intruder = MainRunner.run("train", "--resume", killed.toString(), "--master", "local[2]");
        assertEquals(2, intruder.status(), intruder.out() + intruder.err());
        assertTrue(intruder.err().contains("another run is writing to"), intruder.err());
        awaitCheckpoint(child, killed, "epoch-0002-round-000006", dir.resolve("child.log"));
        child.destroyForcibly();
        child.waitFor();
        assertFalse(Files.exists(killed.resolve("model.zip")) && epochLines(killed) == 3, "the run must not have finished");

        var resumed = MainRunner.run("train", "--resume", killed.toString(), "--master", "local[2]");
        assertEquals(0, resumed.status(), resumed.err());
        assertTrue(resumed.out().contains("resuming from"), resumed.out());

        // 2 workers sum in one commutative step, so the average is the same bit for bit
        assertArrayEquals(params(whole), params(killed));
        assertEquals(3, epochLines(killed));
        // the resumed epoch's time (and so its img/s) counts its rounds before the kill too
        assertEquals(roundSeconds(killed, 2), field(killed, 2, "train_seconds"), 1e-6);
    }

    /** The CLI in a JVM of its own, which a test can kill as a crash would. */
    static Process startChild(List<String> args, Path log) throws IOException {
        return startChild(List.of(), args, log);
    }

    /** The same with JVM options of its own ({@code -Xmx...}) after the test JVM's. */
    static Process startChild(List<String> jvmOptions, List<String> args, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> !a.startsWith("-agentlib:jdwp")).toList());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Waits until the run's LATEST names {@code checkpoint}. */
    static void awaitCheckpoint(Process child, Path run, String checkpoint, Path log) throws Exception {
        Path latest = run.resolve(RunLayout.LATEST);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (!(Files.exists(latest) && Files.readString(latest).contains(checkpoint))) {
            assertTrue(child.isAlive(), "the child ended before " + checkpoint + ": " + Files.readString(log));
            assertTrue(System.nanoTime() < deadline, "no checkpoint " + checkpoint + " in time");
            Thread.sleep(5);
        }
    }

    /** A number of epoch {@code epoch}'s line of metrics.jsonl. */
    static double field(Path run, int epoch, String key) throws IOException {
        String line = Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                .filter(l -> l.contains("\"event\":\"epoch\",\"epoch\":" + epoch + ",")).findFirst().orElseThrow();
        return Double.parseDouble(line.replaceAll(".*\"" + key + "\":([0-9.Ee+-]+).*", "$1"));
    }

    /** The seconds of epoch {@code epoch}'s rounds, summed over its round lines. */
    static double roundSeconds(Path run, int epoch) throws IOException {
        return Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                .filter(l -> l.contains("\"event\":\"round\",\"epoch\":" + epoch + ","))
                .mapToDouble(l -> Double.parseDouble(l.replaceAll(".*\"seconds\":([0-9.Ee+-]+).*", "$1"))).sum();
    }

    static long epochLines(Path run) throws IOException {
        Path metrics = run.resolve("metrics.jsonl");
        return Files.exists(metrics) ? Files.readAllLines(metrics).stream().filter(l -> l.contains("\"event\":\"epoch\"")).count() : 0;
    }

    @Test
    void aDivergingRunStopsAndKeepsItsLastGoodCheckpoint(@TempDir Path dir) {
        FashionMnist.require();
        Path run = dir.resolve("diverges");
        List<String> args = job(run);
        // epoch 1 at 0.05 trains; from 60% of the run the rate is multiplied by 1e30, which overflows the weights
        args.addAll(List.of("--set", "train.optimizer.updater=sgd", "--set", "train.optimizer.learning-rate=0.05",
                "--set", "train.schedule.factor=1e30"));
        var result = MainRunner.run(args.toArray(String[]::new));
        assertEquals(1, result.status(), result.out() + result.err());
        assertTrue(result.err().contains("diverged in epoch 2"), result.err());
        assertTrue(result.err().contains("the last good checkpoint is"), result.err());

        Checkpoint last = RunLayout.of(run.toString(), new Configuration()).checkpoints().latest().orElseThrow();
        assertTrue(result.err().contains(last.fileName()), result.err());
        for (float p : last.state().params()) {
            assertTrue(Float.isFinite(p));
        }
    }
}
