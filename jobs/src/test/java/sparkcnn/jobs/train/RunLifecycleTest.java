package sparkcnn.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sparkcnn.driver.FashionMnist;
import sparkcnn.driver.data.SyntheticImageFolder;
import sparkcnn.driver.run.RunLayout;
import sparkcnn.jobs.MainRunner;

/**
 * A run's life as a user lives it, on real Spark local mode and real files: a run directory used
 * again, a run killed between its checkpoint and its evaluation, resumed with changed keys, fed
 * files that are not images or that hide as images.
 */
class RunLifecycleTest {
    @TempDir
    Path dir;

    static List<String> oneEpoch(Path run, String... more) {
        List<String> args = ResumeTest.job(run);
        args.addAll(List.of("--set", "train.epochs=1"));
        args.addAll(List.of(more));
        return args;
    }

    static MainRunner.Run cli(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return MainRunner.run(all.toArray(String[]::new));
    }

    static List<String> lines(Path run, String event) throws IOException {
        return Files.readAllLines(run.resolve(RunLayout.METRICS)).stream()
                .filter(l -> l.contains("\"event\":\"" + event + "\"")).toList();
    }

    @Test
    void aUsedRunDirectoryIsRefusedResumedWithAllowedChangesOrOverwritten() throws IOException {
        FashionMnist.require();
        Path run = dir.resolve("run");
        var first = cli(oneEpoch(run, "--set", "data.normalize=true"));
        assertEquals(0, first.status(), first.err());
        assertTrue(Files.exists(run.resolve(RunLayout.NORMALIZATION)));

        // the same command again would have mixed two runs' files: refused before Spark starts
        var again = cli(oneEpoch(run, "--set", "data.normalize=true"));
        assertEquals(2, again.status());
        assertTrue(again.err().contains("--resume") && again.err().contains("--overwrite"), again.err());

        // a resume keeps the network, data and optimiser it was trained with
        for (String fixed : List.of("model.classes=5", "train.workers=3", "train.optimizer.learning-rate=0.1")) {
            var changed = MainRunner.run("train", "--resume", run.toString(), "--master", "local[2]", "--set", fixed);
            assertEquals(2, changed.status(), fixed + ": " + changed.out());
            assertTrue(changed.err().contains(fixed.substring(0, fixed.indexOf('=')))
                    && changed.err().contains("cannot change on --resume"), changed.err());
        }
        // ... and may train longer; the change is recorded
        var longer = MainRunner.run("train", "--resume", run.toString(), "--master", "local[2]",
                "--set", "train.epochs=2");
        assertEquals(0, longer.status(), longer.err());
        assertEquals(2, lines(run, "epoch").size());
        assertTrue(lines(run, "resume").get(0).contains("\"train.epochs\":[\"1\",\"2\"]"), lines(run, "resume").toString());
        assertTrue(Files.readString(run.resolve(RunLayout.CONFIG)).contains("epochs=2"));

        // evaluate checks the model against the config it is given
        var wrongClasses = MainRunner.run("evaluate", run.toString(), "--master", "local[2]", "--set", "model.classes=12");
        assertEquals(2, wrongClasses.status(), wrongClasses.out());
        assertTrue(wrongClasses.err().contains("model.classes") && wrongClasses.err().contains("10 outputs"),
                wrongClasses.err());
        var wrongInput = MainRunner.run("evaluate", run.toString(), "--master", "local[2]", "--set", "model.input=32x32x1");
        assertEquals(2, wrongInput.status(), wrongInput.out());
        assertTrue(wrongInput.err().contains("model.input") && wrongInput.err().contains("does not take that input"),
                wrongInput.err());

        // a damaged run says so in one line, never as a stack trace
        Files.writeString(run.resolve(RunLayout.LATEST), "../../etc/passwd\n");
        var damaged = MainRunner.run("train", "--resume", run.toString(), "--master", "local[2]");
        assertEquals(2, damaged.status());
        assertTrue(damaged.err().contains("not a checkpoint file") && !damaged.err().contains("\tat "), damaged.err());
        Files.writeString(run.resolve(RunLayout.MODEL), "not a zip");
        var badModel = MainRunner.run("evaluate", run.toString(), "--master", "local[2]");
        assertEquals(2, badModel.status());
        assertTrue(badModel.err().contains("cannot read the model") && !badModel.err().contains("\tat "), badModel.err());

        // --overwrite starts afresh: nothing of the old run is left to be read as the new one's
        var overwritten = cli(oneEpoch(run, "--overwrite"));
        assertEquals(0, overwritten.status(), overwritten.err());
        assertFalse(Files.exists(run.resolve(RunLayout.NORMALIZATION)), "the old run's statistics were kept");
        assertEquals(1, lines(run, "epoch").size());
        assertTrue(lines(run, "resume").isEmpty());
        String latest = Files.readString(run.resolve(RunLayout.LATEST)).strip();
        assertTrue(Files.exists(run.resolve(RunLayout.CHECKPOINTS).resolve(latest)), latest);
    }

    @Test
    void aRunKilledBetweenItsCheckpointAndItsEvaluationIsEvaluatedOnResume() throws Exception {
        FashionMnist.require();
        Path run = dir.resolve("killed");
        // one epoch (a one-epoch sweep trial), evaluated slowly on 10,000 images one at a time
        Process child = ResumeTest.startChild(oneEpoch(run, "--set", "data.test.limit=0",
                "--set", "train.eval-batch-size=1"), dir.resolve("child.log"));
        ResumeTest.awaitCheckpoint(child, run, "epoch-0001-round-000010", dir.resolve("child.log"));
        child.destroyForcibly(); // SIGKILL
        child.waitFor();
        assertTrue(lines(run, "epoch").isEmpty() && !Files.exists(run.resolve(RunLayout.MODEL)),
                "killed too late: the epoch was evaluated already");

        var resumed = MainRunner.run("train", "--resume", run.toString(), "--master", "local[2]",
                "--set", "train.eval-batch-size=500");
        assertEquals(0, resumed.status(), resumed.err());
        assertTrue(resumed.out().contains("epoch complete") && resumed.out().contains("model saved"), resumed.out());
        assertTrue(Files.exists(run.resolve(RunLayout.MODEL)));
        List<String> epochs = lines(run, "epoch");
        assertEquals(1, epochs.size());
        assertTrue(epochs.get(0).contains("\"examples_seen\":1280"), epochs.get(0));
        double accuracy = Double.parseDouble(epochs.get(0).replaceAll(".*\"test_accuracy\":([0-9.]+).*", "$1"));
        assertTrue(accuracy > 0.3, epochs.get(0)); // 10 classes; one short epoch
        assertTrue(lines(run, "resume").get(0).contains("train.eval-batch-size"), lines(run, "resume").toString());
    }

    @Test
    void filesThatAreNoImagesAreSkippedAndNamedWhateverTheyHideAs() throws Exception {
        var conf = new Configuration();
        Path train = dir.resolve("shapes/train");
        Path test = dir.resolve("shapes/test");
        SyntheticImageFolder.write(train.toString(), conf, 3, 12, 16, 0, 1);
        SyntheticImageFolder.write(test.toString(), conf, 3, 6, 16, 2, 2);
        Path cls = train.resolve("class00");
        assertEquals(0, new ProcessBuilder("mkfifo", cls.resolve("pipe.jpg").toString()).start().waitFor());
        Files.createSymbolicLink(cls.resolve("zero.jpg"), Path.of("/dev/zero"));
        Files.createSymbolicLink(cls.resolve("unreadable.jpg"), Path.of("/proc/self/mem")); // EIO, even for root
        Files.createDirectory(cls.resolve("folder.jpg"));
        Files.write(cls.resolve("bomb.png"), bombPng(20_000, 20_000));
        List<String> job = List.of("train", "--master", "local[2]", "--set", "run.dir=" + dir.resolve("run"),
                "--set", "data.format=imagefolder", "--set", "data.train.root=" + train,
                "--set", "data.test.root=" + test, "--set", "model.input=16x16x3",
                "--set", "model.stages=[{convs=1, filters=4, size=3, pool=true}]", "--set", "model.hidden=[8]",
                "--set", "train.epochs=1", "--set", "train.batch-size-per-worker=6");

        // 3 class folders cannot feed 10 output units: said before training
        var phantom = cli(job, "--set", "model.classes=10");
        assertEquals(2, phantom.status(), phantom.out());
        assertTrue(phantom.err().contains("model.classes") && phantom.err().contains("3 class folders"), phantom.err());

        var result = cli(job, "--set", "model.classes=3");
        assertEquals(0, result.status(), result.err());
        List<String> bad = Files.readAllLines(dir.resolve("run").resolve(RunLayout.BAD_IMAGES));
        for (String name : List.of("pipe.jpg", "zero.jpg", "unreadable.jpg", "folder.jpg", "bomb.png")) {
            assertTrue(bad.stream().anyMatch(l -> l.startsWith("train: ") && l.contains(name)), name + ": " + bad);
        }
        assertTrue(bad.stream().anyMatch(l -> l.contains("bomb.png") && l.contains("20000 x 20000")), bad.toString());
        assertEquals(2, bad.stream().filter(l -> l.startsWith("test: ")).count(), bad.toString());

        var evaluated = MainRunner.run("evaluate", dir.resolve("run").toString(), "--master", "local[2]");
        assertEquals(0, evaluated.status(), evaluated.err());
        assertTrue(evaluated.out().contains("on 18 test examples") && evaluated.out().contains("class02")
                && evaluated.out().contains("skipped 2 test files"), evaluated.out());
    }

    @Test
    void aTrainingSetWithNothingToLearnStopsInsteadOfReportingNaN() throws Exception {
        var conf = new Configuration();
        Path train = dir.resolve("broken/train");
        SyntheticImageFolder.write(train.toString(), conf, 2, 0, 16, 4, 1); // 4 files, all corrupt
        SyntheticImageFolder.write(dir.resolve("broken/test").toString(), conf, 2, 3, 16, 0, 2);
        var result = MainRunner.run("train", "--master", "local[2]", "--set", "run.dir=" + dir.resolve("run"),
                "--set", "data.format=imagefolder", "--set", "data.train.root=" + train,
                "--set", "data.test.root=" + dir.resolve("broken/test"), "--set", "model.input=16x16x3",
                "--set", "model.classes=2", "--set", "train.epochs=1");
        assertNotEquals(0, result.status(), result.out());
        assertTrue(result.err().contains("training set has no examples")
                && result.err().contains("all 4 files were rejected"), result.err());
        assertFalse(result.out().contains("NaN"), result.out());

        // labels beyond the model's classes (Fashion-MNIST has 10, the model 5)
        FashionMnist.require();
        var labels = cli(oneEpoch(dir.resolve("five"), "--set", "model.classes=5"));
        assertNotEquals(0, labels.status(), labels.out());
        assertTrue(labels.err().contains("label 9") && labels.err().contains("model.classes = 5"), labels.err());
    }

    /**
     * A PNG that declares {@code width x height} grey pixels, all zero: a few hundred kilobytes that
     * would decode to hundreds of megabytes.
     */
    static byte[] bombPng(int width, int height) throws IOException {
        var png = new ByteArrayOutputStream();
        var out = new DataOutputStream(png);
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        var header = new ByteArrayOutputStream();
        var h = new DataOutputStream(header);
        h.writeInt(width);
        h.writeInt(height);
        h.write(new byte[] {8, 0, 0, 0, 0}); // 8-bit greyscale
        chunk(out, "IHDR", header.toByteArray());
        var compressed = new ByteArrayOutputStream();
        try (var z = new DeflaterOutputStream(compressed)) {
            byte[] row = new byte[width + 1]; // filter byte + pixels
            for (int y = 0; y < height; y++) {
                z.write(row);
            }
        }
        chunk(out, "IDAT", compressed.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        out.writeInt(data.length);
        byte[] name = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        out.write(name);
        out.write(data);
        var crc = new CRC32();
        crc.update(name);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }

}
