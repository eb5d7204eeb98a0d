package sparkcnn.driver.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.DoubleSummaryStatistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import sparkcnn.driver.io.RunStore;
import sparkcnn.kernels.eval.EvalCounts;

/**
 * {@code metrics.jsonl}, written and read here only: one JSON object per line,
 * {@code "event": "round"} after every averaging round, {@code "event": "epoch"} after every
 * evaluation, {@code "event": "resume"} where a run was continued (with any changed keys). The
 * file is rewritten atomically, at most every {@link #FLUSH_SECONDS} seconds for round records (so
 * long runs do not rewrite it every round) and at once on {@link #flush()}, which the run calls
 * with every checkpoint and epoch.
 */
public final class MetricsLog {
    static final double FLUSH_SECONDS = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RunStore store;
    private final List<JsonNode> records = new ArrayList<>();
    private long lastFlush = System.nanoTime();

    MetricsLog(RunStore store) {
        this.store = store;
    }

    /**
     * The log of a run resumed after {@code roundsDone} rounds of {@code epoch}: the records up to
     * that point are kept, later ones (written after the checkpoint) are dropped, as they will be
     * done again.
     */
    static MetricsLog resume(RunStore store, int epoch, int roundsDone, boolean complete) {
        var log = new MetricsLog(store);
        if (store.exists(RunLayout.METRICS)) {
            for (String line : new String(store.read(RunLayout.METRICS), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode record = parse(line);
                int e = record.path("epoch").asInt();
                // an epoch's own line follows its last round, so it is kept only with a complete epoch
                boolean keep = e < epoch || e == epoch && (isEvent(record, "epoch")
                        ? complete : record.path("round").asInt() <= roundsDone);
                if (keep) {
                    log.records.add(record);
                }
            }
        }
        return log;
    }

    public void round(RoundReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", "round");
        m.put("epoch", r.epoch());
        m.put("round", r.round());
        m.put("loss", r.loss());
        m.put("images_per_second", r.imagesPerSecond());
        m.put("learning_rate", r.learningRate());
        m.put("examples", r.examples());
        m.put("seconds", r.seconds());
        m.put("fit_seconds", r.fitSeconds());
        append(m, false);
    }

    public void epoch(EpochResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", "epoch");
        m.put("epoch", r.epoch());
        m.put("test_accuracy", r.test().accuracy());
        m.put("test_top5_accuracy", r.test().top5Accuracy());
        m.put("test_loss", r.test().meanLoss());
        m.put("train_loss", r.trainLoss());
        m.put("seconds", r.seconds());
        m.put("train_seconds", r.trainSeconds());
        m.put("train_images_per_second", r.trainImagesPerSecond());
        m.put("examples", r.examples());
        m.put("examples_seen", r.examplesSeen());
        m.put("per_class_accuracy", EpochResult.perClassAccuracy(r.test()));
        m.put("confusion", r.test().confusion());
        append(m, true);
    }

    /** A resumed run: from which checkpoint, and the config keys that changed (key: [before, after]). */
    public void resumed(Checkpoint from, Map<String, List<String>> changed) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", "resume");
        m.put("epoch", from.epoch());
        m.put("round", from.roundsDone());
        m.put("checkpoint", from.fileName());
        m.put("changed", changed);
        append(m, true);
    }

    private void append(Map<String, ?> record, boolean flushNow) {
        records.add(JSON.valueToTree(record));
        if (flushNow || (System.nanoTime() - lastFlush) / 1e9 >= FLUSH_SECONDS) {
            flush();
        }
    }

    /** Writes every record so far. */
    public void flush() {
        StringBuilder text = new StringBuilder();
        for (JsonNode r : records) {
            text.append(r.toString()).append('\n');
        }
        store.writeText(RunLayout.METRICS, text.toString());
        lastFlush = System.nanoTime();
    }

    /** The epochs recorded so far. */
    public List<EpochResult> epochs() {
        List<EpochResult> results = new ArrayList<>();
        for (JsonNode r : records) {
            if (!isEvent(r, "epoch")) {
                continue;
            }
            JsonNode rows = r.get("confusion");
            long[][] confusion = new long[rows.size()][rows.size()];
            long count = 0;
            for (int i = 0; i < rows.size(); i++) {
                for (int j = 0; j < rows.size(); j++) {
                    confusion[i][j] = rows.get(i).get(j).asLong();
                    count += confusion[i][j];
                }
            }
            var test = new EvalCounts(confusion, r.get("test_loss").asDouble() * count,
                    Math.round(r.get("test_top5_accuracy").asDouble() * count));
            double seconds = r.get("seconds").asDouble();
            results.add(new EpochResult(r.get("epoch").asInt(), r.get("train_loss").asDouble(), test, seconds,
                    r.path("train_seconds").asDouble(seconds), r.get("examples").asLong(),
                    r.path("examples_seen").asLong()));
        }
        return results;
    }

    /** Examples the workers fitted in {@code epoch}, summed over its round records. */
    public long examplesSeen(int epoch) {
        return rounds(epoch).stream().mapToLong(r -> r.path("examples").asLong()).sum();
    }

    /** Mean loss and total seconds of the rounds recorded for {@code epoch}. */
    public DoubleSummaryStatistics roundLosses(int epoch) {
        var stats = new DoubleSummaryStatistics();
        rounds(epoch).forEach(r -> stats.accept(r.path("loss").asDouble()));
        return stats;
    }

    public double roundSeconds(int epoch) {
        return rounds(epoch).stream().mapToDouble(r -> r.path("seconds").asDouble()).sum();
    }

    private List<JsonNode> rounds(int epoch) {
        return records.stream().filter(r -> isEvent(r, "round") && r.path("epoch").asInt() == epoch).toList();
    }

    private static boolean isEvent(JsonNode record, String event) {
        return event.equals(record.path("event").asText());
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable line in " + RunLayout.METRICS + ": " + line, e);
        }
    }
}
