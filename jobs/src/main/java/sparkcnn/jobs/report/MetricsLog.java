package sparkcnn.jobs.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import sparkcnn.driver.io.RunStore;
import sparkcnn.jobs.train.TrainJob;
import sparkcnn.kernels.eval.EvalCounts;

/**
 * {@code metrics.jsonl}: one JSON object per line, {@code "event": "round"} after every averaging
 * round and {@code "event": "epoch"} after every evaluation. The file is rewritten atomically, at
 * most every {@link #FLUSH_SECONDS} seconds for round records (so long runs do not rewrite it every
 * round) and at once on {@link #flush()}, which the trainer calls with every checkpoint and epoch.
 */
public final class MetricsLog {
    public static final String FILE = "metrics.jsonl";
    static final double FLUSH_SECONDS = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RunStore store;
    private final List<String> lines = new ArrayList<>();
    private long lastFlush = System.nanoTime();

    public MetricsLog(RunStore store) {
        this.store = store;
    }

    /**
     * The log of a run resumed after {@code roundsDone} rounds of {@code epoch}: the records up to
     * that point are kept, later ones (written after the checkpoint) are dropped, as they will be
     * done again.
     */
    public static MetricsLog resume(RunStore store, int epoch, int roundsDone, boolean complete) {
        var log = new MetricsLog(store);
        if (store.exists(FILE)) {
            for (String line : new String(store.read(FILE), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode record = parse(line);
                int e = record.get("epoch").asInt();
                // an epoch's own line follows its last round, so it is kept only with a complete epoch
                boolean keep = e < epoch || e == epoch && (record.get("event").asText().equals("epoch")
                        ? complete : record.get("round").asInt() <= roundsDone);
                if (keep) {
                    log.lines.add(line);
                }
            }
        }
        return log;
    }

    /** Appends one record (keys keep their insertion order); written out within {@link #FLUSH_SECONDS}. */
    public void append(Map<String, ?> record) {
        try {
            lines.add(JSON.writeValueAsString(new LinkedHashMap<>(record)));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("metrics record is not JSON-serialisable: " + record, e);
        }
        if ((System.nanoTime() - lastFlush) / 1e9 >= FLUSH_SECONDS) {
            flush();
        }
    }

    /** Writes every record so far. */
    public void flush() {
        store.writeText(FILE, String.join("\n", lines) + "\n");
        lastFlush = System.nanoTime();
    }

    /** The epochs recorded so far. */
    public List<TrainJob.EpochResult> epochResults() {
        List<TrainJob.EpochResult> results = new ArrayList<>();
        for (String line : lines) {
            JsonNode r = parse(line);
            if (!r.get("event").asText().equals("epoch")) {
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
            results.add(new TrainJob.EpochResult(r.get("epoch").asInt(), r.get("train_loss").asDouble(), test,
                    r.get("seconds").asDouble(), r.get("examples").asLong(), r.path("examples_seen").asLong()));
        }
        return results;
    }

    /** Examples the workers fitted in {@code epoch}, summed over its round records. */
    public long examplesSeen(int epoch) {
        long seen = 0;
        for (String line : lines) {
            JsonNode r = parse(line);
            if (r.get("event").asText().equals("round") && r.get("epoch").asInt() == epoch) {
                seen += r.path("examples").asLong();
            }
        }
        return seen;
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable line in " + FILE + ": " + line, e);
        }
    }
}
