package sparkcnn.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.protocol.HdfsConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sparkcnn.driver.FashionMnist;
import sparkcnn.driver.Hdfs;
import sparkcnn.driver.run.RunLayout;
import sparkcnn.jobs.MainRunner;

/**
 * The faults users meet, produced for real: a full disk (a small tmpfs) and a full HDFS quota, a
 * checkpoint damaged on disk, a SIGTERM mid-epoch. Each says what happened and how to go on, and
 * the run continued with {@code --resume} records every epoch once and fits no round twice.
 */
class FaultsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aFullHdfsQuotaNamesTheFileAndTheRunAndAResumeFinishesTheRun(@TempDir Path dir) throws Exception {
        FashionMnist.require();
        // blocks of 1 MiB, one replica: the quota counts what the run writes, not 3 x 128 MiB reserved per file
        System.setProperty("spark.hadoop.dfs.blocksize", "1048576");
        System.setProperty("spark.hadoop.dfs.replication", "1");
        try (Hdfs hdfs = new Hdfs(dir.resolve("hdfs").toFile())) {
            String run = hdfs.uri() + "/runs/quota";
            var conf = new org.apache.hadoop.conf.Configuration(hdfs.conf());
            conf.set("dfs.blocksize", "1048576");
            conf.set("dfs.replication", "1");
            var fs = (DistributedFileSystem) FileSystem.get(URI.create(hdfs.uri()), conf); // the instance the run shares
            var path = new org.apache.hadoop.fs.Path("/runs/quota");
            fs.mkdirs(path);
            fs.setQuota(path, HdfsConstants.QUOTA_DONT_SET, 3L << 20); // three checkpoints of ~0.54 MB and a bit
            var full = MainRunner.run(ResumeTest.job(run).toArray(String[]::new));
            assertEquals(1, full.status(), full.out() + full.err());
            assertTrue(full.err().matches("(?s)sparkcnn: the quota is exceeded writing " + Pattern.quote(run)
                    + "/\\S+ \\(run\\.dir " + Pattern.quote(run) + "\\): raise the quota or free space and continue "
                    + "with --resume " + Pattern.quote(run) + "\\s*"), full.err());

            fs.setQuota(path, HdfsConstants.QUOTA_DONT_SET, HdfsConstants.QUOTA_RESET);
            var resumed = MainRunner.run("train", "--resume", run, "--master", "local[2]");
            assertEquals(0, resumed.status(), resumed.err());
            try (var in = fs.open(new org.apache.hadoop.fs.Path(path, RunLayout.METRICS))) {
                assertEveryEpochOnceAndNoRoundTwice(new String(in.readAllBytes(), StandardCharsets.UTF_8), 3);
            }
        } finally {
            System.clearProperty("spark.hadoop.dfs.blocksize");
            System.clearProperty("spark.hadoop.dfs.replication");
        }
    }

    @Test
    void aFullLocalDiskNamesTheFileAndTheRunAndAResumeFinishesTheRun(@TempDir Path dir) throws Exception {
        FashionMnist.require();
        Path disk = Files.createDirectories(dir.resolve("tmpfs"));
        assumeTrue(mount(disk, "size=2m"), "mounting a tmpfs needs root");
        try {
            Path run = disk.resolve("run");
            var full = MainRunner.run(ResumeTest.job(run).toArray(String[]::new));
            assertEquals(1, full.status(), full.out() + full.err());
            assertTrue(full.err().startsWith("sparkcnn: no space left writing file:" + run), full.err());
            assertTrue(full.err().contains("(run.dir file:" + run + "): free space and continue with --resume file:"
                    + run), full.err());
            assertTrue(full.err().lines().count() == 1, "one line, no stack trace: " + full.err());

            assertTrue(mount(disk, "remount,size=64m"), "free space");
            var resumed = MainRunner.run("train", "--resume", run.toString(), "--master", "local[2]");
            assertEquals(0, resumed.status(), resumed.err());
            assertEveryEpochOnceAndNoRoundTwice(Files.readString(run.resolve(RunLayout.METRICS)), 3);
        } finally {
            new ProcessBuilder("umount", disk.toString()).start().waitFor();
        }
    }

    @Test
    void aDamagedNewestCheckpointIsPassedOverForTheNewestIntactOne(@TempDir Path dir) throws Exception {
        FashionMnist.require();
        Path run = dir.resolve("run");
        List<String> twoEpochs = ResumeTest.job(run);
        twoEpochs.addAll(List.of("--set", "train.epochs=2"));
        assertEquals(0, MainRunner.run(twoEpochs.toArray(String[]::new)).status());
        Path newest = run.resolve("checkpoints/epoch-0002-round-000010.zip");
        try (var file = new RandomAccessFile(newest.toFile(), "rw")) { // the disk lost its second half
            file.setLength(file.length() / 2);
        }
        var resumed = MainRunner.run("train", "--resume", run.toString(), "--set", "train.epochs=3");
        assertEquals(0, resumed.status(), resumed.err());
        assertTrue(resumed.out().contains("damaged checkpoint passed over: file:" + newest), resumed.out());
        assertTrue(resumed.out().contains("resuming from file:" + run.resolve("checkpoints/epoch-0002-round-000009.zip")),
                resumed.out());
        assertEveryEpochOnceAndNoRoundTwice(Files.readString(run.resolve(RunLayout.METRICS)), 3);
    }

    @Test
    void sigtermMidEpochSavesTheLastAveragedStateAndSaysHowToContinue(@TempDir Path dir) throws Exception {
        FashionMnist.require();
        Path run = dir.resolve("run");
        Path log = dir.resolve("child.log");
        Process child = ResumeTest.startChild(ResumeTest.job(run), log);
        ResumeTest.awaitCheckpoint(child, run, "epoch-0001-round-000003", log);
        child.destroy(); // SIGTERM
        assertEquals(143, child.waitFor(), Files.readString(log));
        String said = Files.readString(log);
        Matcher where = Pattern.compile("sparkcnn: stopped by SIGTERM in epoch (\\d+) after round (\\d+) of 10; "
                + "continue with --resume file:" + Pattern.quote(run.toString())).matcher(said);
        assertTrue(where.find(), said);
        // the checkpoint holds the last round the driver averaged, which metrics.jsonl ends with
        List<JsonNode> rounds = records(Files.readString(run.resolve(RunLayout.METRICS)), "round");
        JsonNode last = rounds.get(rounds.size() - 1);
        assertEquals(where.group(1) + "/" + where.group(2), last.get("epoch").asInt() + "/" + last.get("round").asInt());
        assertTrue(Files.readString(run.resolve(RunLayout.LATEST)).startsWith(String.format("epoch-%04d-round-%06d",
                Integer.parseInt(where.group(1)), Integer.parseInt(where.group(2)))));

        var resumed = MainRunner.run("train", "--resume", run.toString(), "--master", "local[2]");
        assertEquals(0, resumed.status(), resumed.err());
        assertEveryEpochOnceAndNoRoundTwice(Files.readString(run.resolve(RunLayout.METRICS)), 3);
    }

    @Test
    void aWorkerOutOfMemoryInLocalModeNamesWhatTheModelNeedsAndWhatTheJvmHas(@TempDir Path dir) throws Exception {
        FashionMnist.require();
        Path log = dir.resolve("child.log");
        // DenseNet-BC-40 at batch 256 trains in about 3.2 GiB; this JVM may grow to 2 GiB
        Process child = ResumeTest.startChild(List.of("-Dorg.bytedeco.javacpp.maxphysicalbytes=2g"), List.of("train",
                "--config", "../conf/fashion-mnist-densenet-bc.conf", "--master", "local[2]",
                "--set", "run.dir=" + dir.resolve("run"), "--set", "data.train.limit=512", "--set", "data.test.limit=64",
                "--set", "train.epochs=1", "--set", "train.batch-size-per-worker=256"), log);
        assertTrue(child.waitFor(4, java.util.concurrent.TimeUnit.MINUTES), "the run did not end");
        String said = Files.readString(log);
        assertEquals(1, child.exitValue(), "not Spark's 52 for a JVM ended by an OutOfMemoryError: " + said);
        assertTrue(said.contains("sparkcnn: a worker ran out of memory (java.lang.OutOfMemoryError: "), said);
        assertTrue(said.contains("at batch 256 per worker in about 3267 MiB"), said);
        assertTrue(said.contains("this JVM (local mode) has a heap of") && said.contains("a process limit of 2048 MiB"),
                said);
    }

    private static boolean mount(Path dir, String options) throws IOException, InterruptedException {
        return new ProcessBuilder("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString())
                .redirectErrorStream(true).start().waitFor() == 0;
    }

    /** metrics.jsonl of a finished run: each epoch once, its rounds 1..10 each once. */
    private static void assertEveryEpochOnceAndNoRoundTwice(String metrics, int epochs) throws IOException {
        List<Integer> epochLines = records(metrics, "epoch").stream().map(r -> r.get("epoch").asInt()).toList();
        assertEquals(java.util.stream.IntStream.rangeClosed(1, epochs).boxed().toList(), epochLines, metrics);
        Set<String> seen = new HashSet<>();
        for (JsonNode r : records(metrics, "round")) {
            assertTrue(seen.add(r.get("epoch").asInt() + "/" + r.get("round").asInt()), "fitted twice: " + r);
        }
        assertEquals(epochs * 10, seen.size(), metrics);
    }

    private static List<JsonNode> records(String metrics, String event) throws IOException {
        List<JsonNode> records = new ArrayList<>();
        for (String line : metrics.split("\n")) {
            JsonNode r = line.isBlank() ? null : JSON.readTree(line);
            if (r != null && event.equals(r.path("event").asText())) {
                records.add(r);
            }
        }
        return records;
    }
}
