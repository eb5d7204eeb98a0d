package sparkcnn.driver.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipFile;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sparkcnn.driver.io.RunDirectoryException;
import sparkcnn.driver.io.RunLock;
import sparkcnn.kernels.arch.PatternNet;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.net.GraphBuilder;
import sparkcnn.kernels.optim.Optimizer;
import sparkcnn.kernels.train.ModelState;

/** The run directory: checkpoints in their documented format, pruning, LATEST, and who may write. */
class RunLayoutTest {
    private static final PatternNet NET = new PatternNet(new Volume(8, 8, 1),
            List.of(new PatternNet.Stage(1, 2, 3, true)), List.of(4), 3);

    static ModelState state(float shift) {
        var graph = new ComputationGraph(GraphBuilder.build(NET.input(), NET.layers(),
                Optimizer.constant("nesterovs", 0.1, 0.9, 0), 5));
        graph.init();
        ModelState s = ModelState.of(graph);
        float[] params = s.params().clone();
        float[] updater = new float[s.updaterState().length];
        for (int i = 0; i < updater.length; i++) {
            updater[i] = shift + i * 1e-3f;
        }
        params[0] = shift;
        return s.withWeights(params, updater, 17).withLearningRate(0.05);
    }

    static Checkpoint checkpoint(int epoch, int round, float shift) {
        return new Checkpoint(state(shift), epoch, round, false, 42);
    }

    static String save(RunLayout run, Checkpoint c) {
        return run.checkpoints().save(c, c.modelZip());
    }

    @Test
    void aCheckpointIsADl4jZipWithItsCountersAsJson(@TempDir Path dir) throws IOException {
        var run = RunLayout.of(dir.toString(), new Configuration());
        Checkpoint written = checkpoint(2, 7, 0.25f);
        save(run, written);
        Path file = dir.resolve("checkpoints/epoch-0002-round-000007.zip");
        try (var zip = new ZipFile(file.toFile())) {
            String json = new String(zip.getInputStream(zip.getEntry(Checkpoint.JSON_ENTRY)).readAllBytes());
            assertTrue(json.contains("\"rounds_done\" : 7") && json.contains("\"iteration\" : 17"), json);
        }
        // DL4J opens it as a model of its own, with the updater state
        ComputationGraph graph = ModelSerializer.restoreComputationGraph(file.toFile(), true);
        assertArrayEquals(written.state().params(), graph.params().toFloatVector());
        assertArrayEquals(written.state().updaterState(), graph.getUpdater().getStateViewArray().toFloatVector());

        Checkpoint read = run.checkpoints().latest().orElseThrow();
        assertEquals(2, read.epoch());
        assertEquals(7, read.roundsDone());
        assertEquals(17, read.state().iteration());
        assertEquals(0.05, read.state().learningRate());
        assertArrayEquals(written.state().params(), read.state().params());
        assertArrayEquals(written.state().updaterState(), read.state().updaterState());
    }

    @Test
    void aWriteInterruptedPartWayLeavesThePreviousCheckpointLoadable(@TempDir Path dir) {
        var run = RunLayout.of(dir.toString(), new Configuration());
        save(run, checkpoint(1, 3, 1f));
        Checkpoint next = checkpoint(1, 6, 2f);
        // the JVM dies (here: an exception) after some bytes of the next checkpoint
        assertThrows(UncheckedIOException.class, () -> run.store().write("checkpoints/" + next.fileName(), out -> {
            out.write(next.modelZip(), 0, 100);
            throw new IOException("killed mid-write");
        }));
        Checkpoint latest = run.checkpoints().latest().orElseThrow();
        assertEquals(3, latest.roundsDone());
        assertEquals(1f, latest.state().params()[0]);
    }

    @Test
    void oldCheckpointsArePrunedInTrainingOrderNotNameOrder(@TempDir Path dir) throws IOException {
        var run = RunLayout.of(dir.toString(), new Configuration());
        // epoch 9999 -> 10000 and round 999999 -> 1000000 add a digit: text order would put them first
        save(run, checkpoint(9999, 999998, 1f));
        save(run, checkpoint(9999, 999999, 2f));
        save(run, checkpoint(10000, 1000000, 3f));
        save(run, checkpoint(10001, 5, 4f));
        assertEquals(4f, run.checkpoints().latest().orElseThrow().state().params()[0]);
        try (var files = Files.list(dir.resolve(RunLayout.CHECKPOINTS))) {
            List<String> left = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".zip")).sorted().toList();
            assertEquals(List.of("epoch-10000-round-1000000.zip", "epoch-10001-round-000005.zip",
                    "epoch-9999-round-999999.zip"), left);
        }
    }

    @Test
    void latestMayNameOnlyACheckpointOfThisRun(@TempDir Path dir) throws IOException {
        var run = RunLayout.of(dir.toString(), new Configuration());
        save(run, checkpoint(1, 1, 1f));
        Files.writeString(dir.resolve("elsewhere.zip"), "x");
        Files.writeString(dir.resolve(RunLayout.LATEST), "../elsewhere.zip\n");
        var e = assertThrows(RunDirectoryException.class, run.checkpoints()::latest);
        assertTrue(e.getMessage().contains("not a checkpoint file"), e.getMessage());
        // a file with a checkpoint's name that is not one: an error naming it, not a deserialised object
        Files.writeString(dir.resolve("checkpoints/epoch-0001-round-000002.zip"), "PK junk");
        Files.writeString(dir.resolve(RunLayout.LATEST), "epoch-0001-round-000002.zip\n");
        e = assertThrows(RunDirectoryException.class, run.checkpoints()::latest);
        assertTrue(e.getMessage().contains("epoch-0001-round-000002.zip"), e.getMessage());
    }

    @Test
    void aUsedDirectoryNeedsResumeOrOverwriteAndOneWriterAtATime(@TempDir Path dir) throws IOException {
        var run = RunLayout.of(dir.resolve("run").toString(), new Configuration());
        try (RunLock lock = RunStart.NEW.begin(run)) {
            save(run, checkpoint(1, 1, 1f));
            run.writeText(RunLayout.NORMALIZATION, "{}");
            // a second writer, even in this JVM, is kept out while the first holds the directory
            var busy = assertThrows(RunDirectoryException.class, () -> RunStart.RESUME.begin(run));
            assertTrue(busy.getMessage().contains("another run"), busy.getMessage());
        }
        var used = assertThrows(RunDirectoryException.class, () -> RunStart.NEW.begin(run));
        assertTrue(used.getMessage().contains("--resume") && used.getMessage().contains("--overwrite"), used.getMessage());
        RunStart.RESUME.begin(run).close();
        RunStart.OVERWRITE.begin(run).close();
        assertFalse(run.has(RunLayout.NORMALIZATION), "an overwritten run keeps nothing of the old one");
        assertFalse(run.has(RunLayout.LATEST));
        var nothing = assertThrows(RunDirectoryException.class, () -> RunStart.RESUME.begin(run));
        assertTrue(nothing.getMessage().contains("nothing to resume"), nothing.getMessage());

        Files.writeString(dir.resolve("run/thesis.tex"), "mine");
        var foreign = assertThrows(RunDirectoryException.class, () -> RunStart.OVERWRITE.begin(run));
        assertTrue(foreign.getMessage().contains("thesis.tex"), foreign.getMessage());
        assertTrue(Files.exists(dir.resolve("run/thesis.tex")));
    }
}
