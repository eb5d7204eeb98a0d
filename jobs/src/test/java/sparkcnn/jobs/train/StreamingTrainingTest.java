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

    @Test
    void stepsPerEpochBoundTheRoundsAndManyClassesKeepTheirConfusionMatrixInAFileOfItsOwn() throws IOException {
        Path run = data.resolve("steps");
        List<String> args = job(run, "stream");
        args.addAll(List.of("--set", "train.steps-per-epoch=3"));
        var trained = MainRunner.run(args.toArray(String[]::new));
        assertEquals(0, trained.status(), trained.err());
        List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertEquals(3, lines.stream().filter(l -> l.contains("\"event\":\"round\",\"epoch\":2,")).count());
        // 3 rounds x 2 workers x 5 examples: the part of the data an epoch saw
        assertTrue(epochLines(run).get(1).contains(":30,\"examples_seen\":30,"), epochLines(run).toString());

        // 40 classes: the matrix (and per-class accuracy) go to confusion/epoch-EEEE.json
        SyntheticImageFolder.write(data.resolve("many/train").toString(), new Configuration(), 40, 2, 16, 0, 3);
        SyntheticImageFolder.write(data.resolve("many/test").toString(), new Configuration(), 40, 1, 16, 0, 4);
        Path many = data.resolve("many-run");
        List<String> manyArgs = new ArrayList<>(List.of("train", "--master", "local[2]", "--set", "run.dir=" + many,
                "--set", "data.format=imagefolder", "--set", "data.train.root=" + data.resolve("many/train"),
                "--set", "data.test.root=" + data.resolve("many/test"), "--set", "model.input=16x16x3",
                "--set", "model.classes=40", "--set", "model.stages=[{convs=1, filters=4, size=3, pool=true}]",
                "--set", "model.hidden=[8]", "--set", "train.epochs=1", "--set", "train.batch-size-per-worker=8"));
        var first = MainRunner.run(manyArgs.toArray(String[]::new));
        assertEquals(0, first.status(), first.err());
        String epoch = Files.readAllLines(many.resolve("metrics.jsonl")).stream()
                .filter(l -> l.contains("\"event\":\"epoch\"")).findFirst().orElseThrow();
        assertTrue(epoch.contains("\"confusion_file\":\"confusion/epoch-0001.json\"") && !epoch.contains("\"confusion\":"),
                epoch);
        assertTrue(Files.readString(many.resolve("confusion/epoch-0001.json")).contains("\"confusion\":[["));
        // a resume reads the earlier epoch back from its file
        var resumed = MainRunner.run("train", "--resume", many.toString(), "--master", "local[2]",
                "--set", "train.epochs=2");
        assertEquals(0, resumed.status(), resumed.err());
        assertTrue(Files.exists(many.resolve("confusion/epoch-0002.json")));
        assertTrue(Files.readString(many.resolve("report.html")).contains("confusion/epoch-0002.json"));
    }

    @Test
    void aTrainingSetLargerThanTheHeapStreamsThroughIt() throws Exception {
        // 5,000 ImageNet-sized JPEGs (hard links) decode to 750 MB at 224x224x3; the run has 600 MB of heap
        Path folder = data.resolve("imagenet-shaped");
        SyntheticImageFolder.imagenetShaped(folder.resolve("train"), 10, 5_000, 24, 1);
        SyntheticImageFolder.imagenetShaped(folder.resolve("test"), 10, 40, 8, 2);
        long heap = 600L << 20;
        assertTrue(5_000L * 224 * 224 * 3 > heap);
        Path run = data.resolve("imagenet-shaped-run");
        List<String> args = List.of("train", "--master", "local[2]", "--set", "run.dir=" + run,
                "--set", "data.format=imagefolder", "--set", "data.train.root=" + folder.resolve("train"),
                "--set", "data.test.root=" + folder.resolve("test"), "--set", "data.cache-limit-mb=256",
                "--set", "model.input=224x224x3", "--set", "model.classes=10",
                "--set", "model.stages=[{convs=1, filters=4, size=3, pool=true}]", "--set", "model.hidden=[8]",
                "--set", "train.epochs=1", "--set", "train.batch-size-per-worker=16",
                "--set", "train.checkpoint-every-rounds=0");
        Path log = data.resolve("imagenet-shaped.log");
        Process child = ResumeTest.startChild(List.of("-Xmx" + (heap >> 20) + "m",
                "-Dlog4j2.configurationFile=" + Path.of("../conf/log4j2.properties").toAbsolutePath()), args, log);
        assertTrue(child.waitFor(8, java.util.concurrent.TimeUnit.MINUTES), "still running");
        assertEquals(0, child.exitValue(), Files.readString(log));
        String output = Files.readString(log);
        assertTrue(output.contains("streamed from the files"), "auto chose to stream: " + output);
        assertTrue(epochLines(run).get(0).contains(":5000,\"examples_seen\":5000,"), epochLines(run).toString());
    }

    @Test
    void anExportStreamsIntoTraining() throws IOException {
        Path export = data.resolve("export");
        List<String> exportArgs = new ArrayList<>(job(data.resolve("unused"), "memory"));
        exportArgs.set(0, "export");
        exportArgs.addAll(List.of("--out", export.toString(), "--batch", "8"));
        var exported = MainRunner.run(exportArgs.toArray(String[]::new));
        assertEquals(0, exported.status(), exported.err());
        Path run = data.resolve("from-export");
        List<String> args = job(run, "stream");
        args.addAll(List.of("--set", "data.format=exported", "--set", "data.train.dir=" + export.resolve("train"),
                "--set", "data.test.dir=" + export.resolve("test"), "--set", "data.shuffle-files=2"));
        var trained = MainRunner.run(args.toArray(String[]::new));
        assertEquals(0, trained.status(), trained.err());
        assertTrue(epochLines(run).get(1).contains(":90,\"examples_seen\":90,"), epochLines(run).toString());
    }

    @Test
    void aStreamedExportNamesTheImagesThatDoNotDecode() throws IOException {
        Path bad = data.resolve("with-corrupt");
        var written = SyntheticImageFolder.write(bad.toString(), new Configuration(), 3, 6, 24, 2, 5);
        List<String> args = new ArrayList<>(job(data.resolve("unused-bad"), "stream"));
        args.set(0, "export");
        args.addAll(List.of("--set", "data.train.root=" + bad, "--out", data.resolve("export-bad").toString(),
                "--batch", "4"));
        var exported = MainRunner.run(args.toArray(String[]::new));
        assertEquals(0, exported.status(), exported.err());
        assertTrue(exported.out().contains("train: 18 examples"), exported.out());
        assertTrue(exported.out().contains("train: 2 files skipped that do not decode"), exported.out());
        String named = new org.apache.hadoop.fs.Path(written.corrupt().get(0)).getName();
        assertTrue(exported.out().contains(named) || exported.out().contains(
                new org.apache.hadoop.fs.Path(written.corrupt().get(1)).getName()), exported.out());
    }
}
