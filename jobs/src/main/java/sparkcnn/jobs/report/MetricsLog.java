package sparkcnn.jobs.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import sparkcnn.driver.io.RunStore;

/** {@code metrics.jsonl}: one JSON object per line, rewritten atomically after each record. */
public final class MetricsLog {
    public static final String FILE = "metrics.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RunStore store;
    private final StringBuilder lines = new StringBuilder();

    public MetricsLog(RunStore store) {
        this.store = store;
    }

    /** Appends one record; keys keep their insertion order. */
    public void append(Map<String, ?> record) {
        try {
            lines.append(JSON.writeValueAsString(new LinkedHashMap<>(record))).append('\n');
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("metrics record is not JSON-serialisable: " + record, e);
        }
        store.writeText(FILE, lines.toString());
    }
}
