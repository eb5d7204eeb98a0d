package sparkcnn.driver.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunStoreTest {

    @Test
    void writesReplaceFilesWholeAndLeaveNoTemporaries(@TempDir Path dir) throws IOException {
        var store = new RunStore(dir.resolve("run").toString(), new Configuration());
        store.writeText("metrics.jsonl", "one\n");
        store.writeText("metrics.jsonl", "one\ntwo\n");
        assertEquals("one\ntwo\n", Files.readString(dir.resolve("run/metrics.jsonl")));
        try (var files = Files.list(dir.resolve("run"))) {
            assertEquals(1, files.count(), "only the file itself, no .tmp or .crc beside it");
        }
    }

    @Test
    void aWriterThatFailsLeavesThePreviousVersion(@TempDir Path dir) throws IOException {
        var store = new RunStore(dir.toString(), new Configuration());
        store.writeText("model.zip", "good");
        assertThrows(UncheckedIOException.class, () -> store.write("model.zip", out -> {
            out.write("half".getBytes());
            throw new IOException("disk full");
        }));
        assertEquals("good", Files.readString(dir.resolve("model.zip")));
        assertTrue(store.exists("model.zip"));
    }

    @Test
    void aReplacedFileNeverGoesMissingOnALocalDisk(@TempDir Path dir) throws Exception {
        // Hadoop's overwriting rename on a local disk is delete-then-rename: a crash (or a reader)
        // between the two finds no LATEST at all. The replacement must be one atomic step.
        var store = new RunStore(dir.toString(), new Configuration());
        store.writeText("checkpoints/LATEST", "a\n");
        Path latest = dir.resolve("checkpoints/LATEST");
        var missing = new java.util.concurrent.atomic.AtomicInteger();
        var done = new java.util.concurrent.atomic.AtomicBoolean();
        Thread reader = new Thread(() -> {
            while (!done.get()) {
                if (!Files.exists(latest)) {
                    missing.incrementAndGet();
                }
            }
        });
        reader.start();
        for (int i = 0; i < 2000; i++) {
            store.writeText("checkpoints/LATEST", i + "\n");
        }
        done.set(true);
        reader.join();
        assertEquals(0, missing.get(), "LATEST was absent while being replaced");
    }
}
