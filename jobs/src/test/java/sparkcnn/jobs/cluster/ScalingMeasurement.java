package sparkcnn.jobs.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import sparkcnn.driver.data.SyntheticImageFolder;

/**
 * The measured constants of the scaling models ({@code bench/results/scaling.md}), on a real
 * standalone cluster on 127.0.0.1 with three one-core workers: {@code bench rounds} of DenseNet-121's
 * state under both engines (broadcast and tree-reduce through the driver; the ring between the
 * workers) and a few rounds of DenseNet-121 training on an ImageNet-shaped folder under each, with 1,
 * 2 and 3 workers, submitted with SparkSubmit as users do.
 *
 * <p>Not a test (minutes of DenseNet-121): run from {@code jobs/} after {@code mvn verify} with
 * {@code java -cp target/test-classes:target/classes:$(cat target/classpath.txt)
 * sparkcnn.jobs.cluster.ScalingMeasurement ../bench/results/scaling-measured.json}; with a second
 * argument {@code rounds}, only {@code bench rounds} again, the file's training runs kept.
 */
public final class ScalingMeasurement {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH = 4;
    private static final int ROUNDS = 5;
    /** Timed rounds of {@code bench rounds} per engine and worker count (medians). */
    private static final int REPEATS = 9;

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "../bench/results/scaling-measured.json");
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "scaling-");
        Path train = dir.resolve("train");
        Path val = dir.resolve("val");
        SyntheticImageFolder.imagenetShaped(train, 100, 1200, 24, 1);
        SyntheticImageFolder.imagenetShaped(val, 100, 100, 8, 2);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("machine_cores", Runtime.getRuntime().availableProcessors());
        result.put("cluster", "standalone master and 3 workers of 1 core on 127.0.0.1, one executor of 1 core each");
        List<Object> rounds = new ArrayList<>();
        List<Object> ringRounds = new ArrayList<>();
        List<Object> training = new ArrayList<>();
        List<Object> ringTraining = new ArrayList<>();
        boolean roundsOnly = args.length > 1 && args[1].equals("rounds");
        try (var cluster = new StandaloneCluster(dir, 3)) {
            for (int workers = 1; workers <= 3; workers++) { // the engines side by side, for each worker count
                rounds.add(rounds(cluster, dir, workers, "driver"));
                ringRounds.add(rounds(cluster, dir, workers, "allreduce"));
            }
            for (int workers = 1; workers <= 3 && !roundsOnly; workers++) {
                training.add(train(cluster, dir, workers, "driver", train, val));
                ringTraining.add(train(cluster, dir, workers, "allreduce", train, val));
            }
        }
        result.put("rounds", rounds);
        result.put("allreduce_rounds", ringRounds);
        if (roundsOnly) { // the training runs of the file's earlier measurement stay
            var earlier = JSON.readTree(out.toFile());
            result.put("training", earlier.get("training"));
            result.put("allreduce_training", earlier.get("allreduce_training"));
        } else {
            result.put("training", training);
            result.put("allreduce_training", ringTraining);
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), result);
        System.out.println(Files.readString(out));
    }

    /** {@code bench rounds} of DenseNet-121's state under {@code engine} on {@code workers} executors. */
    private static Object rounds(StandaloneCluster cluster, Path dir, int workers, String engine) throws Exception {
        Path file = dir.resolve("rounds-" + engine + "-" + workers + ".json");
        run(cluster, dir, "rounds-" + engine + "-" + workers, workers, List.of("bench", "rounds", "--engine", engine,
                "--workers", String.valueOf(workers), "--repeats", String.valueOf(REPEATS), "--out", file.toString()));
        return JSON.readValue(file.toFile(), Map.class);
    }

    /** A few rounds of DenseNet-121 training under {@code engine} on {@code workers} executors. */
    private static Map<String, Object> train(StandaloneCluster cluster, Path dir, int workers, String engine,
                                             Path train, Path val) throws Exception {
        Path run = dir.resolve("run-" + engine + "-" + workers);
        run(cluster, dir, "train-" + engine + "-" + workers, workers, List.of("train",
                "--config", Path.of("../conf/imagenet-densenet121.conf").toAbsolutePath().toString(),
                "--set", "run.dir=" + run, "--set", "data.train.root=" + train.toUri(),
                "--set", "data.test.root=" + val.toUri(), "--set", "model.classes=100",
                "--set", "data.normalize=false", "--set", "train.workers=" + workers,
                "--set", "train.worker-threads=1", "--set", "train.batch-size-per-worker=" + BATCH,
                "--set", "train.averaging-frequency=1", "--set", "train.steps-per-epoch=" + ROUNDS,
                "--set", "train.epochs=1", "--set", "train.eval-batch-size=25", "--set", "train.engine=" + engine));
        return training(run, workers);
    }

    /** Medians of a run's rounds after the first (which loads ND4J and compiles on each executor). */
    private static Map<String, Object> training(Path run, int workers) throws Exception {
        List<Double> seconds = new ArrayList<>();
        List<Double> fit = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"), StandardCharsets.UTF_8)) {
            JsonNode r = JSON.readTree(line);
            if (r.get("event").asText().equals("round") && r.get("round").asInt() > 1) {
                seconds.add(r.get("seconds").asDouble());
                fit.add(r.get("fit_seconds").asDouble());
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workers", workers);
        m.put("batch_per_worker", BATCH);
        m.put("averaging_frequency", 1);
        m.put("rounds_timed", seconds.size());
        m.put("round_seconds", median(seconds));
        m.put("fit_seconds", median(fit));
        m.put("averaging_seconds", median(seconds) - median(fit));
        m.put("img_per_second", workers * BATCH / median(seconds));
        return m;
    }

    private static double median(List<Double> values) {
        return sparkcnn.jobs.report.Stats.median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static void run(StandaloneCluster cluster, Path dir, String name, int workers, List<String> args)
            throws Exception {
        cluster.submitShaded(dir, name, workers, args);
    }
}
