package sparkcnn.jobs.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import sparkcnn.driver.data.SyntheticImageFolder;

/**
 * What the ring costs at the start of an epoch, and what overlapping its averaging with fitting saves,
 * on the standalone cluster of {@code scaling.md} (master and 3 one-core workers on 127.0.0.1), as
 * users submit: the shaded jar through SparkSubmit. Not a test: {@code bench/results/allreduce.md}
 * quotes it. Arguments: the JSON file to add to, a label (the build measured, e.g. "before" or
 * "after"), and what to measure: {@code start} (the main job on 3 workers, 6 epochs of 8 rounds:
 * each epoch's first round beyond the epoch's median round) and/or {@code overlap} (DenseNet-121 on
 * 2 workers, frequency 1, overlap off and on: rounds beyond fitting).
 */
public final class RingStartMeasurement {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]).toAbsolutePath();
        String label = args[1];
        List<String> what = List.of(args[2].split(","));
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "ring-start-");
        ObjectNode results = Files.exists(out) ? (ObjectNode) JSON.readTree(out.toFile()) : JSON.createObjectNode();
        Map<String, Object> mine = new LinkedHashMap<>();
        mine.put("machine_cores", Runtime.getRuntime().availableProcessors());
        mine.put("cluster", "standalone master and 3 workers of 1 core on 127.0.0.1, one executor of 1 core each");
        try (var cluster = new StandaloneCluster(dir, 3)) {
            if (what.contains("start")) {
                Path run = dir.resolve("start");
                submit(cluster, dir, "start", 3, List.of("train", "--config",
                        Path.of("../conf/fashion-mnist-cnn.conf").toAbsolutePath().toString(),
                        "--set", "run.dir=" + run, "--set", "train.workers=3", "--set", "train.worker-threads=1",
                        "--set", "train.epochs=6", "--set", "train.steps-per-epoch=8",
                        "--set", "train.engine=allreduce"));
                mine.put("epoch_start_seconds", epochStarts(run));
            }
            if (what.contains("overlap")) {
                Path train = dir.resolve("train");
                Path val = dir.resolve("val");
                SyntheticImageFolder.imagenetShaped(train, 100, 400, 24, 1);
                SyntheticImageFolder.imagenetShaped(val, 100, 100, 8, 2);
                for (boolean overlap : List.of(false, true)) {
                    Path run = dir.resolve("overlap-" + overlap);
                    submit(cluster, dir, "overlap-" + overlap, 2, List.of("train",
                            "--config", Path.of("../conf/imagenet-densenet121.conf").toAbsolutePath().toString(),
                            "--set", "run.dir=" + run, "--set", "data.train.root=" + train.toUri(),
                            "--set", "data.test.root=" + val.toUri(), "--set", "model.classes=100",
                            "--set", "data.normalize=false", "--set", "train.workers=2",
                            "--set", "train.worker-threads=1", "--set", "train.batch-size-per-worker=4",
                            "--set", "train.averaging-frequency=1", "--set", "train.steps-per-epoch=8",
                            "--set", "train.epochs=1", "--set", "train.eval-batch-size=25",
                            "--set", "train.engine=allreduce", "--set", "train.allreduce.overlap=" + overlap));
                    mine.put("densenet121_overlap_" + overlap, rounds(run));
                }
            }
        }
        results.set(label, JSON.valueToTree(mine));
        JSON.enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), results);
        System.out.println(Files.readString(out));
    }

    /**
     * Per epoch: the ring's start, its first round's time beyond fitting (a round's seconds at the
     * driver less its slowest worker's fitting) less the median of its other rounds'; the first
     * round's seconds beyond the median round; and the epoch's training time beyond as many median
     * rounds (with the checkpoint written at its end). Evaluation is outside all three.
     */
    private static Map<String, Object> epochStarts(Path run) throws Exception {
        Map<Integer, List<JsonNode>> byEpoch = new TreeMap<>();
        Map<Integer, Double> trainSeconds = new TreeMap<>();
        for (JsonNode r : records(run)) {
            if (r.get("event").asText().equals("round")) {
                byEpoch.computeIfAbsent(r.get("epoch").asInt(), e -> new ArrayList<>()).add(r);
            } else if (r.get("event").asText().equals("epoch")) {
                trainSeconds.put(r.get("epoch").asInt(), r.get("train_seconds").asDouble());
            }
        }
        Map<String, Object> starts = new LinkedHashMap<>();
        byEpoch.forEach((epoch, rounds) -> {
            List<Double> seconds = rounds.stream().map(r -> r.get("seconds").asDouble()).toList();
            List<Double> beyondFitting = rounds.stream()
                    .map(r -> r.get("seconds").asDouble() - r.get("fit_seconds").asDouble()).toList();
            double median = median(seconds.subList(1, seconds.size()));
            starts.put("epoch_" + epoch, Map.of(
                    "ring_start_seconds", beyondFitting.get(0) - median(beyondFitting.subList(1, rounds.size())),
                    "first_round_seconds", seconds.get(0), "median_round_seconds", median,
                    "start_seconds", seconds.get(0) - median, "train_seconds", trainSeconds.get(epoch),
                    "beyond_rounds_seconds", trainSeconds.get(epoch) - seconds.size() * median));
        });
        return starts;
    }

    /** Medians of a run's rounds after the first two (the first loads ND4J and compiles on each executor). */
    private static Map<String, Object> rounds(Path run) throws Exception {
        List<Double> seconds = new ArrayList<>();
        List<Double> fit = new ArrayList<>();
        for (JsonNode r : records(run)) {
            if (r.get("event").asText().equals("round") && r.get("round").asInt() > 2) {
                seconds.add(r.get("seconds").asDouble());
                fit.add(r.get("fit_seconds").asDouble());
            }
        }
        return Map.of("rounds_timed", seconds.size(), "round_seconds", median(seconds), "fit_seconds", median(fit),
                "beyond_fitting_seconds", median(seconds) - median(fit));
    }

    private static List<JsonNode> records(Path run) throws Exception {
        List<JsonNode> records = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"), StandardCharsets.UTF_8)) {
            records.add(JSON.readTree(line));
        }
        return records;
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static void submit(StandaloneCluster cluster, Path dir, String name, int workers, List<String> args)
            throws Exception {
        cluster.submitShaded(dir, name, workers, args);
    }
}
