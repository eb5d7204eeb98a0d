package sparkcnn.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import sparkcnn.driver.FashionMnist;

/**
 * The shaded jar, submitted with SparkSubmit to a real standalone master with workers on 127.0.0.1,
 * trains on real Fashion-MNIST; then again while one worker (with its executor) is killed mid-epoch.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterIT {
    private static final int TRAIN = 6000;
    private static final int EPOCHS = 2;
    private static final Path TARGET = Path.of("target").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path dir;
    private static StandaloneCluster cluster;
    private static final List<Double> plainAccuracies = new ArrayList<>();

    @BeforeAll
    static void startCluster() throws Exception {
        FashionMnist.require();
        dir = Files.createTempDirectory(TARGET, "standalone-");
        // three one-core workers: the application takes two, the third can replace a lost one
        cluster = new StandaloneCluster(dir, 3);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void shadedJarTrainsOnTheCluster() throws Exception {
        Path run = dir.resolve("run-plain");
        Process driver = submit(run, "plain");
        assertTrue(driver.waitFor(6, TimeUnit.MINUTES), "the run did not finish within 6 minutes");
        assertEquals(0, driver.exitValue(), "spark-submit failed:\n" + tail(dir.resolve("plain.log")));

        List<JsonNode> epochs = records(run, "epoch");
        assertEquals(EPOCHS, epochs.size());
        assertEveryExampleSeenOnce(run, epochs);
        epochs.forEach(e -> plainAccuracies.add(e.get("test_accuracy").asDouble()));
        double accuracy = epochs.get(EPOCHS - 1).get("test_accuracy").asDouble();
        assertTrue(accuracy > 0.5, "accuracy " + accuracy + " is near chance (0.1)");
        assertTrue(Files.exists(run.resolve("model.zip")));
    }

    @Test
    @Order(2)
    void survivesLosingAWorkerMidEpoch() throws Exception {
        Path run = dir.resolve("run-kill");
        Path events = dir.resolve("events-kill");
        Process driver = submit(run, "kill");

        // a few rounds in (the first checkpoint flushes metrics.jsonl), kill a worker while its
        // executor is running a task of a round
        awaitFile(run.resolve("metrics.jsonl"), driver);
        String appId = runningApp(events);
        var victim = cluster.workerRunning(appId)
                .orElseThrow(() -> new AssertionError("no worker runs an executor of " + appId));
        awaitRunningTask(victim, appId);
        victim.kill();
        assertTrue(records(run, "epoch").isEmpty(), "killed too late: the first epoch had already ended");

        assertTrue(driver.waitFor(6, TimeUnit.MINUTES), "the run did not finish within 6 minutes");
        assertEquals(0, driver.exitValue(), "spark-submit failed:\n" + tail(dir.resolve("kill.log")));
        List<JsonNode> epochs = records(run, "epoch");
        assertEquals(EPOCHS, epochs.size());
        // the lost tasks were run again, yet the averaged counts hold every example exactly once
        assertEveryExampleSeenOnce(run, epochs);

        // and it trained exactly as the undisturbed run did
        for (int e = 0; e < EPOCHS; e++) {
            assertEquals(plainAccuracies.get(e), epochs.get(e).get("test_accuracy").asDouble(), 0.0);
        }

        String log = Files.readString(completedEventLog(events));
        assertTrue(log.contains("\"Event\":\"SparkListenerExecutorRemoved\""), "Spark never lost the executor");
        assertTrue(log.contains("\"Reason\":\"ExecutorLostFailure\""), "no task was lost with the executor");
    }

    /** DL4J Spark's training master (train.engine) on the cluster, fed by our data pipeline. */
    @Test
    @Order(4)
    void dl4jsTrainingMasterTrainsOnTheCluster() throws Exception {
        Path run = dir.resolve("run-dl4j");
        Process driver = sparkSubmit("dl4j", "sparkcnn.jobs.Main", List.of("train", "--config",
                dir.resolve("plain.conf").toString(), "--set", "run.dir=" + run,
                "--set", "train.engine=dl4j-parameter-averaging"));
        assertTrue(driver.waitFor(6, TimeUnit.MINUTES), "the run did not finish within 6 minutes");
        assertEquals(0, driver.exitValue(), "spark-submit failed:\n" + tail(dir.resolve("dl4j.log")));
        List<JsonNode> epochs = records(run, "epoch");
        assertEquals(EPOCHS, epochs.size());
        assertEquals(TRAIN, epochs.get(EPOCHS - 1).get("examples_seen").asLong());
        double accuracy = epochs.get(EPOCHS - 1).get("test_accuracy").asDouble();
        assertTrue(accuracy > 0.5, "accuracy " + accuracy + " is near chance (0.1)");
    }

    /** An executor whose off-heap limit cannot hold DenseNet-BC-40's training at batch 256. */
    @Test
    @Order(5)
    void aWorkerOutOfMemoryNamesWhatTheModelNeedsWhatTheExecutorHasAndTheKeys() throws Exception {
        Path run = dir.resolve("run-oom");
        String cache = System.getProperty("org.bytedeco.javacpp.cachedir");
        // the per-layer graph (the driver builds the network), which needs 6.4 GiB at batch 512: dense
        // blocks as one layer fit these limits (at batch 256, 3.2 GiB by the estimate, the per-layer graph
        // came close to the 2g process limit and stayed under it in one run of two)
        Process driver = cluster.submit(StandaloneCluster.driverJvm("-Dorg.bytedeco.javacpp.cachedir=" + cache),
                "sparkcnn.jobs.Main", List.of("--conf", "spark.executor.cores=1", "--conf", "spark.cores.max=2",
                        "--conf", "spark.executor.memory=1g", "--conf", "spark.task.maxFailures=1",
                        "--conf", "spark.executor.extraJavaOptions=-Dorg.bytedeco.javacpp.cachedir=" + cache
                                + " -Dorg.bytedeco.javacpp.maxbytes=256m -Dorg.bytedeco.javacpp.maxphysicalbytes=2g"),
                StandaloneCluster.shadedJar(), List.of("train", "--config",
                        Path.of("../conf/fashion-mnist-densenet-bc.conf").toAbsolutePath().toString(),
                        "--set", "run.dir=" + run, "--set", "data.train.images=" + FashionMnist.TRAIN_IMAGES,
                        "--set", "data.train.labels=" + FashionMnist.TRAIN_LABELS, "--set", "data.train.limit=1024",
                        "--set", "data.test.images=" + FashionMnist.TEST_IMAGES,
                        "--set", "data.test.labels=" + FashionMnist.TEST_LABELS, "--set", "data.test.limit=64",
                        "--set", "train.epochs=1", "--set", "train.workers=2",
                        "--set", "train.batch-size-per-worker=512", "--set", "model.layers.dense-blocks=false"),
                dir.resolve("oom.log"));
        assertTrue(driver.waitFor(5, TimeUnit.MINUTES), "the run did not end within 5 minutes");
        String log = Files.readString(dir.resolve("oom.log"));
        assertEquals(1, driver.exitValue(), log);
        String said = log.lines().filter(l -> l.startsWith("sparkcnn: ")).findFirst().orElseThrow(() -> new AssertionError(log));
        assertTrue(said.startsWith("sparkcnn: a worker ran out of memory ("), said);
        assertTrue(said.contains("at batch 512 per worker in about 6533 MiB"), said); // inspect: 6.38 GiB
        assertTrue(said.contains("spark.executor.memory = 1g") && said.contains("org.bytedeco.javacpp.maxbytes = 256m")
                && said.contains("org.bytedeco.javacpp.maxphysicalbytes = 2g"), said);
        assertTrue(said.contains("train.batch-size-per-worker") && said.contains("spark.executor.memoryOverhead"), said);
    }

    /** The example Spark application of the Spark ML API, submitted as a user would copy it. */
    @Test
    @Order(3)
    void theExampleApplicationFitsTransformsAndWritesParquet() throws Exception {
        Path images = dir.resolve("example-images");
        var conf = new org.apache.hadoop.conf.Configuration();
        byte[] pixels = sparkcnn.driver.data.IdxFile.open(FashionMnist.TEST_IMAGES, conf).read(conf, 0, 600);
        byte[] labels = sparkcnn.driver.data.IdxFile.open(FashionMnist.TEST_LABELS, conf).read(conf, 0, 600);
        int[] written = new int[2];
        for (int i = 0; i < 600; i++) {
            int label = labels[i];
            if (label > 1 || written[label] == 60) {
                continue;
            }
            Path file = images.resolve(label == 0 ? "tshirt" : "trouser").resolve("img" + i + ".png");
            Files.createDirectories(file.getParent());
            var image = new java.awt.image.BufferedImage(28, 28, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
            image.getRaster().setDataElements(0, 0, 28, 28, Arrays.copyOfRange(pixels, i * 784, (i + 1) * 784));
            javax.imageio.ImageIO.write(image, "png", file.toFile());
            written[label]++;
        }
        Path out = dir.resolve("example-out");
        Process app = sparkSubmit("example", "sparkcnn.examples.ClassifyImages",
                List.of(images.toString(), out.toString(), "28x28x1", "2"));
        assertTrue(app.waitFor(6, TimeUnit.MINUTES), "the example did not finish within 6 minutes");
        String log = Files.readString(dir.resolve("example.log"));
        assertEquals(0, app.exitValue(), "the example failed:\n" + tail(dir.resolve("example.log")));
        var line = java.util.regex.Pattern.compile("ClassifyImages: ([0-9]+) of 120 images predicted right").matcher(log);
        assertTrue(line.find(), tail(dir.resolve("example.log")));
        assertTrue(Integer.parseInt(line.group(1)) > 90, line.group());
        assertTrue(Files.exists(out.resolve("predictions/_SUCCESS")));
        assertTrue(Files.exists(out.resolve("model/metadata/_SUCCESS")));
    }

    /**
     * An ASHA sweep, two trials at once (one executor each), whose driver is killed with -9 once a
     * promoted trial is training; submitted again, it keeps every decision taken and trains no
     * trial's epoch twice.
     */
    @Test
    @Order(6)
    void anAshaSweepSurvivesItsDriverKilledAndTrainsNoEpochTwice() throws Exception {
        Path base = sparkcnn.jobs.sweep.SweepTest.writeBase(Files.createDirectories(dir.resolve("sweep-base")));
        Path sweepDir = dir.resolve("sweep-asha");
        Path sweep = dir.resolve("sweep-asha.conf");
        Files.writeString(sweep, """
                sweep {
                  base = "%s"
                  dir = "%s"
                  keys { "train.optimizer.learning-rate" = [0.03, 0.01, 0.003, 0.001, 0.0003] }
                  set {
                    "train.epochs" = 4
                    "train.workers" = 1
                    "train.checkpoint-every-rounds" = 4
                  }
                  parallel = 2
                  scheduler = asha
                  asha.eta = 2
                }
                """.formatted(base, sweepDir));
        Path decisions = sweepDir.resolve("asha.json");
        Process first = sparkSubmit("sweep-1", "sparkcnn.jobs.Main", List.of("sweep", "--config", sweep.toString()));
        for (int i = 0; i < 3000 && !(Files.exists(decisions) && Files.readString(decisions).contains("\"rung\" : 1")); i++) {
            assertTrue(first.isAlive(), "the sweep ended before promoting a trial:\n" + tail(dir.resolve("sweep-1.log")));
            Thread.sleep(100);
        }
        first.destroyForcibly().waitFor(); // the driver (client mode: spark-submit's JVM), with -9
        JsonNode before = JSON.readTree(decisions.toFile());
        assertTrue(before.get("decisions").toString().contains("\"rung\":1"), before.toString());

        Process second = sparkSubmit("sweep-2", "sparkcnn.jobs.Main", List.of("sweep", "--config", sweep.toString()));
        assertTrue(second.waitFor(6, TimeUnit.MINUTES), "the sweep did not finish within 6 minutes");
        assertEquals(0, second.exitValue(), "the sweep failed:\n" + tail(dir.resolve("sweep-2.log")));
        assertTrue(Files.readString(dir.resolve("sweep-2.log")).contains("] resuming"), tail(dir.resolve("sweep-2.log")));

        JsonNode after = JSON.readTree(decisions.toFile());
        var kept = after.get("decisions");
        for (int i = 0; i < before.get("decisions").size(); i++) {
            assertEquals(before.get("decisions").get(i), kept.get(i), "decision " + i + " changed");
        }
        List<Integer> rungs = List.of(1, 2, 4);
        List<String> rows = Files.readAllLines(sweepDir.resolve("leaderboard.csv"));
        assertEquals(6, rows.size(), String.join("\n", rows));
        assertTrue(rows.get(1).contains(",finished,2,"), rows.get(1));
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split(",");
            int epochs = rungs.get(Integer.parseInt(f[3]));
            List<Integer> trained = records(sweepDir.resolve(f[1]), "epoch").stream().map(r -> r.get("epoch").asInt())
                    .toList();
            assertEquals(java.util.stream.IntStream.rangeClosed(1, epochs).boxed().toList(), trained,
                    f[1] + ": every epoch up to its rung, once");
        }
    }

    /** Waits until the worker's executor has started a task that it has not finished (its own log says). */
    private static void awaitRunningTask(StandaloneCluster.Worker worker, String appId) throws Exception {
        for (int i = 0; i < 600; i++) {
            try (var executors = Files.list(worker.workDir().resolve(appId))) {
                for (Path executor : executors.toList()) {
                    Path stderr = executor.resolve("stderr");
                    String log = Files.exists(stderr) ? Files.readString(stderr) : "";
                    if (count(log, "Running task ") > count(log, "Finished task ")) {
                        return;
                    }
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the executor of " + appId + " ran no task for 12 s");
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    private static void assertEveryExampleSeenOnce(Path run, List<JsonNode> epochs) throws Exception {
        for (JsonNode epoch : epochs) {
            int e = epoch.get("epoch").asInt();
            assertEquals(TRAIN, epoch.get("examples").asLong());
            assertEquals(TRAIN, epoch.get("examples_seen").asLong(), "examples fitted in epoch " + e);
            long roundSum = records(run, "round").stream().filter(r -> r.get("epoch").asInt() == e)
                    .mapToLong(r -> r.get("examples").asLong()).sum();
            assertEquals(TRAIN, roundSum, "sum of the round records of epoch " + e);
        }
    }

    /** spark-submit --master spark://... --class sparkcnn.jobs.Main sparkcnn-*-spark.jar train --config ... */
    private static Process submit(Path run, String name) throws Exception {
        Path config = dir.resolve(name + ".conf");
        Files.writeString(config, """
                run.dir = "%s"
                spark.app-name = "sparkcnn-%s"
                data {
                  format = idx
                  train { images = "%s", labels = "%s", limit = %d }
                  test { images = "%s", labels = "%s", limit = 2000 }
                }
                model {
                  type = pattern
                  stages = [{ convs = 1, filters = 8, size = 3, pool = true }]
                  hidden = [32]
                }
                train {
                  epochs = %d
                  workers = 2
                  batch-size-per-worker = 50
                  averaging-frequency = 6
                  checkpoint-every-rounds = 3
                }
                """.formatted(run, name, FashionMnist.TRAIN_IMAGES, FashionMnist.TRAIN_LABELS, TRAIN,
                FashionMnist.TEST_IMAGES, FashionMnist.TEST_LABELS, EPOCHS));
        return sparkSubmit(name, "sparkcnn.jobs.Main", List.of("train", "--config", config.toString()));
    }

    /** spark-submit --master spark://... --class MAIN_CLASS sparkcnn-*-spark.jar ARGS, logging to NAME.log. */
    private static Process sparkSubmit(String name, String mainClass, List<String> args) throws Exception {
        Path events = Files.createDirectories(dir.resolve("events-" + name));
        String cache = System.getProperty("org.bytedeco.javacpp.cachedir");
        List<String> driverJvm = StandaloneCluster.driverJvm("-Dorg.bytedeco.javacpp.cachedir=" + cache,
                "-Dlog4j2.configurationFile=" + Path.of("../conf/log4j2.properties").toAbsolutePath());
        return cluster.submit(driverJvm, mainClass, List.of(
                "--conf", "spark.executor.cores=1",
                "--conf", "spark.cores.max=2",
                "--conf", "spark.executor.memory=1g",
                "--conf", "spark.executor.extraJavaOptions=-Dorg.bytedeco.javacpp.cachedir=" + cache
                        + " -Dorg.bytedeco.javacpp.maxbytes=2G -Dorg.bytedeco.javacpp.maxphysicalbytes=4G",
                "--conf", "spark.eventLog.enabled=true",
                "--conf", "spark.eventLog.dir=" + events.toUri()),
                StandaloneCluster.shadedJar(), args, dir.resolve(name + ".log"));
    }

    private static List<JsonNode> records(Path run, String event) throws Exception {
        Path file = run.resolve("metrics.jsonl");
        List<JsonNode> records = new ArrayList<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                JsonNode r = JSON.readTree(line);
                if (r.get("event").asText().equals(event)) {
                    records.add(r);
                }
            }
        }
        return records;
    }

    private static void awaitFile(Path file, Process driver) throws Exception {
        for (int i = 0; i < 1800 && !Files.exists(file); i++) {
            assertTrue(driver.isAlive(), "the run ended before writing " + file);
            Thread.sleep(100);
        }
        assertTrue(Files.exists(file), "no " + file + " after 3 minutes");
    }

    private static String runningApp(Path events) {
        return StandaloneCluster.files(events).map(p -> p.getFileName().toString())
                .filter(n -> n.endsWith(".inprogress")).map(n -> n.substring(0, n.length() - ".inprogress".length()))
                .findFirst().orElseThrow(() -> new AssertionError("no running application in " + events));
    }

    private static Path completedEventLog(Path events) {
        return StandaloneCluster.files(events).filter(p -> !p.toString().endsWith(".inprogress")).findFirst()
                .orElseThrow(() -> new AssertionError("no event log in " + events));
    }

    private static String tail(Path log) throws Exception {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }
}
