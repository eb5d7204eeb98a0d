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
import java.util.Optional;
import sparkcnn.driver.io.RunStore;
import sparkcnn.driver.run.Checkpoint;
import sparkcnn.driver.run.RunLayout;
import sparkcnn.kernels.eval.EvalCounts;

/**
 * {@code metrics.jsonl}, written and read here only: one JSON object per line,
 * {@code "event": "round"} after every averaging round, {@code "event": "epoch"} after every
 * evaluation, {@code "event": "resume"} where a run was continued (with any changed keys). New
 * records are appended at most every {@link #FLUSH_SECONDS} seconds and at once on {@link #flush()},
 * which the run calls before every checkpoint; a run resumed from a checkpoint rewrites the file
 * once (atomically) without the records after it. With more than {@link #INLINE_CLASSES} classes an
 * epoch's confusion matrix and per-class accuracy go to {@code confusion/epoch-EEEE.json}, so lines
 * stay small (ImageNet's matrix has a million cells).
 */
public final class MetricsLog {
    static final double FLUSH_SECONDS = 10;
    static final int INLINE_CLASSES = 32;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RunStore store;
    private final List<JsonNode> records = new ArrayList<>();
    private int written = -1; // records already in the file; -1: the file is to be rewritten whole
    private long lastFlush = System.nanoTime();

    MetricsLog(RunStore store) {
        this.store = store;
    }

    /**
     * The log of a run resumed after {@code roundsDone} rounds of {@code epoch}: the records up to
     * that point are kept, later ones (written after the checkpoint) are dropped, as they will be
     * done again.
     */
    /** The run's {@code metrics.jsonl}, up to {@code from} (what a run resumed from it continues). */
    static MetricsLog open(RunLayout run, Optional<Checkpoint> from) {
        return from.map(c -> resume(run.store(), c.epoch(), c.roundsDone(), c.epochComplete()))
                .orElseGet(() -> new MetricsLog(run.store()));
    }

    /** All that a run recorded, to read (benchmarks, reports). */
    public static MetricsLog read(RunLayout run) {
        return resume(run.store(), Integer.MAX_VALUE, Integer.MAX_VALUE, true);
    }

    private static MetricsLog resume(RunStore store, int epoch, int roundsDone, boolean complete) {
        var log = new MetricsLog(store);
        if (store.exists(RunLayout.METRICS)) {
            String[] lines = new String(store.read(RunLayout.METRICS), StandardCharsets.UTF_8).split("\n");
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].isBlank()) {
                    continue;
                }
                JsonNode record;
                try {
                    record = JSON.readTree(lines[i]);
                } catch (JsonProcessingException e) {
                    if (i == lines.length - 1) {
                        break; // a torn last line: the run died while appending it
                    }
                    throw new IllegalStateException("unreadable line " + (i + 1) + " in " + RunLayout.METRICS + ": "
                            + lines[i], e);
                }
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
        if (r.test().confusion().length <= INLINE_CLASSES) {
            m.put("per_class_accuracy", EpochResult.perClassAccuracy(r.test()));
            m.put("confusion", r.test().confusion());
        } else {
            String file = String.format(java.util.Locale.ROOT, "%s/epoch-%04d.json", RunLayout.CONFUSION_DIR, r.epoch());
            Map<String, Object> matrix = new LinkedHashMap<>();
            matrix.put("per_class_accuracy", EpochResult.perClassAccuracy(r.test()));
            matrix.put("confusion", r.test().confusion());
            store.write(file, out -> out.write(JSON.writeValueAsBytes(matrix)));
            m.put("confusion_file", file);
        }
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

    /** Writes the records not yet in the file. */
    public void flush() {
        if (written < 0) {
            store.writeText(RunLayout.METRICS, lines(0));
        } else if (written < records.size()) {
            store.append(RunLayout.METRICS, lines(written), () -> lines(0));
        }
        written = records.size();
        lastFlush = System.nanoTime();
    }

    private String lines(int from) {
        StringBuilder text = new StringBuilder();
        for (JsonNode r : records.subList(from, records.size())) {
            text.append(r.toString()).append('\n');
        }
        return text.toString();
    }

    /** The epochs recorded so far. */
    public List<EpochResult> epochs() {
        List<EpochResult> results = new ArrayList<>();
        for (JsonNode r : records) {
            if (!isEvent(r, "epoch")) {
                continue;
            }
            JsonNode rows = r.has("confusion_file") ? confusionFile(r.get("confusion_file").asText()) : r.get("confusion");
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

    private JsonNode confusionFile(String file) {
        try {
            return JSON.readTree(store.read(file)).get("confusion");
        } catch (java.io.IOException e) {
            throw new IllegalStateException("unreadable " + store.uri(file) + ": " + e.getMessage(), e);
        }
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

    /** Seconds of every round recorded, and of their fitting alone (the rest is averaging). */
    public double[] roundSeconds() {
        return records.stream().filter(r -> isEvent(r, "round")).mapToDouble(r -> r.path("seconds").asDouble()).toArray();
    }

    public double[] fitSeconds() {
        return records.stream().filter(r -> isEvent(r, "round")).mapToDouble(r -> r.path("fit_seconds").asDouble())
                .toArray();
    }

    private List<JsonNode> rounds(int epoch) {
        return records.stream().filter(r -> isEvent(r, "round") && r.path("epoch").asInt() == epoch).toList();
    }

    private static boolean isEvent(JsonNode record, String event) {
        return event.equals(record.path("event").asText());
    }
}
