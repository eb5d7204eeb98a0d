package sparkcnn.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import sparkcnn.driver.FashionMnist;

/**
 * The shaded jar submitted to a real YARN (resource manager, node manager, containers as processes)
 * as users submit it: {@code spark-submit --master yarn}, the data and the run directory on HDFS,
 * the config file shipped with {@code --files}, the default ring engine in a barrier stage of YARN
 * containers whose native libraries unpack in their own working directories.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class YarnClusterIT {
    private static final int TRAIN = 3000;
    private static final Path TARGET = Path.of("target").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path dir;
    private static YarnCluster yarn;
    private static String data;
    private static double clusterAccuracy;
    private static long overheadMib;

    @BeforeAll
    static void startYarn() throws Exception {
        FashionMnist.require();
        dir = Files.createTempDirectory(TARGET, "yarn-");
        yarn = new YarnCluster(dir, 8192, 4);
        data = yarn.hdfsUri() + "/data";
        var fs = FileSystem.get(java.net.URI.create(yarn.hdfsUri()), yarn.hdfsConf());
        for (String file : List.of(FashionMnist.TRAIN_IMAGES, FashionMnist.TRAIN_LABELS, FashionMnist.TEST_IMAGES,
                FashionMnist.TEST_LABELS)) {
            fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(file),
                    new org.apache.hadoop.fs.Path(data + "/" + Path.of(file).getFileName()));
        }
        writeJob(dir.resolve("job.conf"));
        // the executors' memory overhead as inspect's estimate for the job's batch gives it
        var job = sparkcnn.jobs.config.JobConfig.load(dir.resolve("job.conf").toFile(), List.of());
        overheadMib = sparkcnn.driver.ExecutorSettings.overheadMibFor(sparkcnn.kernels.cost.CostReport.of(
                sparkcnn.jobs.config.ModelConfig.read(job).architecture()).trainingBytes(50));
    }

    @AfterAll
    static void stopYarn() {
        if (yarn != null) {
            yarn.close();
        }
    }

    @Test
    @Order(1)
    void trainsInClusterModeWithTheRingOnHdfs() throws Exception {
        String run = yarn.hdfsUri() + "/runs/cluster-mode";
        submitAndWait("cluster", List.of("train", "--config", "job.conf", "--set", "run.dir=" + run));
        List<JsonNode> epochs = records(run, "epoch");
        assertEquals(1, epochs.size());
        assertEquals(TRAIN, epochs.get(0).get("examples_seen").asLong());
        clusterAccuracy = epochs.get(0).get("test_accuracy").asDouble();
        assertTrue(clusterAccuracy > 0.5, "accuracy " + clusterAccuracy + " is near chance (0.1)");
    }

    /**
     * Client mode (the driver in spark-submit's JVM) with an executor's container killed (its JVM, with -9)
     * mid-epoch: YARN replaces it, the ring starts again from the checkpoint, and the run trains as cluster
     * mode and local mode do. Then evaluate and predict on YARN.
     */
    @Test
    @Order(2)
    void clientModeLosesAContainerMidEpochTrainsAsLocalModeThenEvaluatesAndPredicts() throws Exception {
        String run = yarn.hdfsUri() + "/runs/client-mode";
        String config = dir.resolve("job.conf").toString();
        Process driver = submit("client", "client", List.of("train", "--config", config, "--set", "run.dir=" + run));
        var fs = FileSystem.get(java.net.URI.create(run), yarn.hdfsConf());
        var checkpoint = new org.apache.hadoop.fs.Path(run + "/checkpoints/LATEST");
        for (int i = 0; i < 1800 && !fs.exists(checkpoint); i++) { // the first checkpoint: rounds are running
            assertTrue(driver.isAlive(), "the run ended before its first checkpoint:\n" + tail(dir.resolve("client.log")));
            Thread.sleep(100);
        }
        ProcessHandle executor = ProcessHandle.current().descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
                .findFirst().orElseThrow(() -> new AssertionError("no executor container runs"));
        executor.destroyForcibly();
        assertTrue(records(run, "epoch").isEmpty(), "killed too late: the epoch had already ended");
        assertTrue(driver.waitFor(10, TimeUnit.MINUTES), "the run did not finish within 10 minutes");
        assertEquals(0, driver.exitValue(), "spark-submit failed:\n" + tail(dir.resolve("client.log")));
        assertTrue(Files.readString(dir.resolve("client.log")).contains("Lost executor"), "Spark never lost the executor");
        JsonNode epoch = records(run, "epoch").get(0);
        assertEquals(TRAIN, epoch.get("examples_seen").asLong(), "every example once, though tasks ran again");
        double accuracy = epoch.get("test_accuracy").asDouble();
        assertEquals(clusterAccuracy, accuracy, 0.002, "client mode with a lost container trained otherwise than cluster mode");

        String local = yarn.hdfsUri() + "/runs/local-mode";
        var trained = sparkcnn.jobs.MainRunner.run("train", "--config", config, "--master", "local[2]",
                "--set", "run.dir=" + local);
        assertEquals(0, trained.status(), trained.err());
        assertEquals(records(local, "epoch").get(0).get("test_accuracy").asDouble(), accuracy, 0.002,
                "YARN and local mode trained differently");

        Path json = dir.resolve("evaluate.json"); // two applications at once: the node holds both
        String predictions = yarn.hdfsUri() + "/predictions";
        Process evaluate = submit("client", "evaluate", List.of("evaluate", run, "--json", json.toString()));
        Process predict = submit("client", "predict", List.of("predict", run, "--input",
                data + "/t10k-images-idx3-ubyte.gz", "--out", predictions));
        for (Process p : List.of(evaluate, predict)) {
            assertTrue(p.waitFor(10, TimeUnit.MINUTES), "evaluate or predict did not finish within 10 minutes");
        }
        assertEquals(0, evaluate.exitValue(), "evaluate failed:\n" + tail(dir.resolve("evaluate.log")));
        assertEquals(0, predict.exitValue(), "predict failed:\n" + tail(dir.resolve("predict.log")));
        assertEquals(accuracy, JSON.readTree(json.toFile()).get("accuracy").asDouble(), 1e-9);
        assertTrue(fs.exists(new org.apache.hadoop.fs.Path(predictions + "/_SUCCESS")), "no predictions written");
        assertTrue(Files.readString(dir.resolve("predict.log")).contains("predict: 10,000 rows"), "not every image scored");
    }

    /**
     * Executors too large (4g) for the node (8g) to hold two beside the application master: YARN grants one, the
     * ring's barrier stage cannot start, and the run is refused with the slots it found, writing nothing.
     */
    @Test
    @Order(3)
    void aClusterWithoutRoomForEveryWorkerIsRefusedByName() throws Exception {
        String run = yarn.hdfsUri() + "/runs/no-room";
        Process submit = submit("client", "no-room", List.of("train", "--config", dir.resolve("job.conf").toString(),
                "--set", "run.dir=" + run), List.of("--executor-memory", "4g",
                "--conf", "spark.scheduler.maxRegisteredResourcesWaitingTime=10s"));
        assertTrue(submit.waitFor(5, TimeUnit.MINUTES), "not refused within 5 minutes");
        String log = Files.readString(dir.resolve("no-room.log"));
        assertEquals(2, submit.exitValue(), log.substring(Math.max(0, log.length() - 3000)));
        assertTrue(log.contains("train.workers = 2, but the cluster has 1 task slots"), log);
        assertTrue(log.contains("on YARN: --num-executors, and a queue with room"), log);
        var fs = FileSystem.get(java.net.URI.create(run), yarn.hdfsConf());
        assertTrue(!fs.exists(new org.apache.hadoop.fs.Path(run, "metrics.jsonl")), "the refused run wrote " + run);
    }

    /** Cluster mode with the config's path on the client only (not shipped with --files): named in spark-submit's terminal. */
    @Test
    @Order(4)
    void aConfigFileOnTheClientOnlyIsNamedWhereTheUserSubmits() throws Exception {
        String relative = TARGET.getParent().relativize(dir.resolve("job.conf")).toString();
        String run = yarn.hdfsUri() + "/runs/config-on-client";
        Process submit = submit("cluster", "config-on-client", List.of("train", "--config", relative,
                "--set", "run.dir=" + run), List.of("--conf", "spark.yarn.maxAppAttempts=1"));
        assertTrue(submit.waitFor(5, TimeUnit.MINUTES), "not refused within 5 minutes");
        String log = Files.readString(dir.resolve("config-on-client.log"));
        assertTrue(submit.exitValue() != 0, log);
        assertTrue(log.contains("config file not found: " + relative + " (this driver runs in the cluster"), log);
        assertTrue(log.contains("--files /path/to/job.conf ... --config job.conf"), log);
        var fs = FileSystem.get(java.net.URI.create(run), yarn.hdfsConf());
        assertTrue(!fs.exists(new org.apache.hadoop.fs.Path(run)), "the refused run made " + run);
    }

    /** --master yarn from the local command without the cluster's configuration: refused at once, nothing made. */
    @Test
    @Order(5)
    void yarnWithoutHadoopConfDirIsRefusedAtOnce() {
        Path run = dir.resolve("runs/no-conf");
        var refused = sparkcnn.jobs.MainRunner.run("train", "--config", dir.resolve("job.conf").toString(),
                "--master", "yarn", "--set", "run.dir=" + run);
        assertEquals(2, refused.status(), refused.err());
        assertTrue(refused.err().contains("--master yarn needs the cluster's Hadoop configuration: set HADOOP_CONF_DIR"),
                refused.err());
        assertTrue(!Files.exists(run), "the refused run made " + run);
    }

    private static void submitAndWait(String name, List<String> args) throws Exception {
        Process submit = submit(name.equals("cluster") ? "cluster" : "client", name, args);
        assertTrue(submit.waitFor(10, TimeUnit.MINUTES), name + " did not finish within 10 minutes");
        assertEquals(0, submit.exitValue(), name + ": spark-submit failed:\n" + tail(dir.resolve(name + ".log")));
    }

    /** spark-submit --master yarn --deploy-mode MODE sparkcnn-*-spark.jar ARGS, job.conf shipped with --files. */
    private static Process submit(String mode, String name, List<String> args) throws Exception {
        return submit(mode, name, args, List.of());
    }

    /**
     * The same with spark-submit options of its own ({@code --executor-memory 3g}), which win. Cluster mode's
     * first submit uploads the jar, as a user's does; the others find it on the node ({@code local:}), as a
     * jar copied to every node once is found: the upload of 200 MB per submit is not what they test.
     */
    private static Process submit(String mode, String name, List<String> args, List<String> more) throws Exception {
        String containerCache = "-Dorg.bytedeco.javacpp.cachedir=javacpp-cache"; // in the container's own directory
        List<String> options = new ArrayList<>(List.of("--num-executors", "2", "--executor-cores", "1",
                "--executor-memory", "1g", "--conf", "spark.executor.memoryOverhead=" + overheadMib + "m",
                "--driver-memory", "1g", "--files", dir.resolve("job.conf").toString(),
                "--conf", "spark.dynamicAllocation.enabled=false",
                "--conf", "spark.driver.extraJavaOptions=" + containerCache,
                "--conf", "spark.executor.extraJavaOptions=" + containerCache));
        options.addAll(more); // spark-submit takes an option's last value
        List<String> driverJvm = StandaloneCluster.driverJvm( // client mode's driver: the build's native cache
                "-Dorg.bytedeco.javacpp.cachedir=" + System.getProperty("org.bytedeco.javacpp.cachedir"),
                "-Dlog4j2.configurationFile=" + Path.of("../conf/log4j2.properties").toAbsolutePath());
        String jar = (name.equals("cluster") ? "" : "local:") + StandaloneCluster.shadedJar();
        return yarn.submit(driverJvm, mode, options, jar, args, dir.resolve(name + ".log"));
    }

    /** The job's net: a pattern net on Fashion-MNIST in HDFS, 2 workers averaging every 2 minibatches. */
    private static void writeJob(Path config) throws IOException {
        Files.writeString(config, """
                data {
                  format = idx
                  train { images = "%1$s/train-images-idx3-ubyte.gz", labels = "%1$s/train-labels-idx1-ubyte.gz", limit = %2$d }
                  test { images = "%1$s/t10k-images-idx3-ubyte.gz", labels = "%1$s/t10k-labels-idx1-ubyte.gz", limit = 1000 }
                }
                model {
                  type = pattern
                  stages = [{ convs = 1, filters = 8, size = 3, pool = true }]
                  hidden = [32]
                }
                train {
                  epochs = 1
                  workers = 2
                  batch-size-per-worker = 50
                  averaging-frequency = 2
                  checkpoint-every-rounds = 2
                }
                """.formatted(data, TRAIN));
    }

    private static List<JsonNode> records(String run, String event) throws IOException {
        var fs = FileSystem.get(java.net.URI.create(run), yarn.hdfsConf());
        var file = new org.apache.hadoop.fs.Path(run + "/metrics.jsonl");
        List<JsonNode> records = new ArrayList<>();
        if (fs.exists(file)) {
            try (var in = fs.open(file)) {
                for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                    JsonNode r = JSON.readTree(line);
                    if (r.get("event").asText().equals(event)) {
                        records.add(r);
                    }
                }
            }
        }
        return records;
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
    }
}
