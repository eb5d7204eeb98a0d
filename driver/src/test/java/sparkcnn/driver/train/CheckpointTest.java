package sparkcnn.driver.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sparkcnn.driver.io.RunStore;
import sparkcnn.kernels.train.ModelState;

class CheckpointTest {
    static Checkpoint checkpoint(int round, float value) {
        var state = new ModelState("{}", new float[] {value, value}, new float[] {value}, round, 1, 0.1);
        return new Checkpoint(state, 1, round, false, 42);
    }

    @Test
    void aWriteInterruptedPartWayLeavesThePreviousCheckpointLoadable(@TempDir Path dir) {
        var store = new RunStore(dir.toString(), new Configuration());
        checkpoint(3, 1f).save(store);
        Checkpoint next = checkpoint(6, 2f);
        // the JVM dies (here: an exception) after half the bytes of the next checkpoint
        assertThrows(UncheckedIOException.class, () -> store.write(next.fileName(), out -> {
            var objects = new ObjectOutputStream(out);
            objects.writeObject(next);
            objects.flush();
            out.flush();
            throw new IOException("killed mid-write");
        }));
        Checkpoint latest = Checkpoint.latest(store).orElseThrow();
        assertEquals(3, latest.roundsDone());
        assertArrayEquals(new float[] {1f, 1f}, latest.state().params());
    }

    @Test
    void latestFollowsTheNewestAndOldOnesAreDropped(@TempDir Path dir) throws IOException {
        var store = new RunStore(dir.toString(), new Configuration());
        for (int round = 1; round <= 5; round++) {
            checkpoint(round, round).save(store);
        }
        assertEquals(5, Checkpoint.latest(store).orElseThrow().roundsDone());
        try (var files = Files.list(dir.resolve(Checkpoint.DIR))) {
            assertEquals(Checkpoint.KEEP, files.filter(f -> f.toString().endsWith(".ckpt")).count());
        }
    }

    @Test
    void schedulesFollowThePaper() {
        var step = new LearningRateSchedule("step", 0.1, 300, 0, java.util.List.of(0.5, 0.75), 0.1);
        assertEquals(0.1, step.rate(1, 0, 10), 1e-12);
        assertEquals(0.01, step.rate(151, 0, 10), 1e-12);
        assertEquals(0.001, step.rate(226, 0, 10), 1e-12);
        var cosine = new LearningRateSchedule("cosine", 0.1, 10, 1, java.util.List.of(), 1);
        assertEquals(0.1 * 0.5 / 1, cosine.rate(1, 4, 10), 1e-12); // halfway through the warm-up epoch
        assertEquals(0.1, cosine.rate(2, 0, 10), 1e-12);
        assertEquals(0.05, cosine.rate(6, 5, 10), 1e-12); // halfway through the cosine
    }
}
