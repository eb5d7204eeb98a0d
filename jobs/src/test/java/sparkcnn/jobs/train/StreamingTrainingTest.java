package sparkcnn.jobs.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sparkcnn.driver.data.SyntheticImageFolder;
import sparkcnn.jobs.MainRunner;

/**
 * Image folders streamed from their files (bounded memory) train exactly as when each worker's
 * shard is held in memory, and a streamed run killed mid-epoch resumes exactly.
 */
class StreamingTrainingTest {
    @TempDir
    static Path data;

    @BeforeAll
    static void images() {
        var conf = new Configuration();
        SyntheticImageFolder.write(data.resolve("train").toString(), conf, 3, 30, 24, 0, 1);
        SyntheticImageFolder.write(data.resolve("test").toString(), conf, 3, 10, 24, 0, 2);
    }

    static List<String> job(Path run, String cache) {
        return new ArrayList<>(List.of("train", "--master", "local[2]", "--set", "run.dir=" + run,
                "--set", "data.format=imagefolder", "--set", "data.train.root=" + data.resolve("train"),
                "--set", "data.test.root=" + data.resolve("test"), "--set", "data.augmentation=cifar",
                "--set", "data.cache=" + cache, "--set", "data.prefetch-batches=2",
                "--set", "model.input=24x24x3", "--set", "model.classes=3",
                "--set", "model.stages=[{convs=1, filters=6, size=3, pool=true}]", "--set", "model.hidden=[16]",
                "--set", "train.epochs=2", "--set", "train.batch-size-per-worker=5",
                "--set", "train.averaging-frequency=1", "--set", "train.checkpoint-every-rounds=3",
                "--set", "train.optimizer.learning-rate=0.01"));
    }

    static List<String> epochLines(Path run) throws IOException {
        return Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                .filter(l -> l.contains("\"event\":\"epoch\""))
                .map(l -> l.replaceAll("\"seconds.*?,\"examples\"", "").replaceAll("(\"test_loss\":[0-9]\\.[0-9]{6})[0-9]*", "$1"))
                .toList();
    }

    @Test
    void aStreamedRunTrainsExactlyAsACachedOne() throws IOException {
        Path cached = data.resolve("cached");
        var inMemory = MainRunner.run(job(cached, "memory").toArray(String[]::new));
        assertEquals(0, inMemory.status(), inMemory.err());
        Path streamed = data.resolve("streamed");
        var fromFiles = MainRunner.run(job(streamed, "stream").toArray(String[]::new));
        assertEquals(0, fromFiles.status(), fromFiles.err());

        assertArrayEquals(ResumeTest.params(cached), ResumeTest.params(streamed));
        // accuracy, confusion, training loss identical; the test loss is summed in another order
        assertEquals(epochLines(cached), epochLines(streamed));
        assertTrue(epochLines(streamed).get(1).contains("\"examples_seen\":90"), epochLines(streamed).toString());
    }

    @Test
    void aStreamedRunKilledMidEpochResumesExactly() throws Exception {
        Path whole = data.resolve("whole");
        var uninterrupted = MainRunner.run(job(whole, "stream").toArray(String[]::new));
        assertEquals(0, uninterrupted.status(), uninterrupted.err());

        Path killed = data.resolve("killed");
        Process child = ResumeTest.startChild(job(killed, "stream"), data.resolve("child.log"));
        ResumeTest.awaitCheckpoint(child, killed, "epoch-0002-round-000003", data.resolve("child.log"));
        child.destroyForcibly();
        child.waitFor();
        var resumed = MainRunner.run("train", "--resume", killed.toString(), "--master", "local[2]");
        assertEquals(0, resumed.status(), resumed.err());
        assertTrue(resumed.out().contains("resuming from"), resumed.out());
        assertArrayEquals(ResumeTest.params(whole), ResumeTest.params(killed));
    }

    @Test
    void imagesStoredLargerThanTheInputTrainOnRandomCropsAndAreEvaluatedOnTheCentre() throws IOException {
        Path run = data.resolve("crops");
        List<String> args = job(run, "stream");
        args.addAll(List.of("--set", "data.decode-size=32", "--set", "data.augmentation=imagenet",
                "--set", "data.normalize=true"));
        var trained = MainRunner.run(args.toArray(String[]::new));
        assertEquals(0, trained.status(), trained.err());
        String last = epochLines(run).get(1);
        String accuracy = last.replaceAll(".*\"test_accuracy\":([0-9.]+).*", "$1");
        // evaluate reads the same stored size and takes the same centre crops
        var evaluated = MainRunner.run("evaluate", run.toString(), "--master", "local[2]");
        assertEquals(0, evaluated.status(), evaluated.err());
        assertTrue(evaluated.out().contains(String.format(java.util.Locale.ROOT, "accuracy %.4f",
                Double.parseDouble(accuracy))), accuracy + " vs " + evaluated.out());
    }
}
