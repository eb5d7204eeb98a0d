package sparkcnn.jobs.sweep;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import sparkcnn.driver.train.EpochResult;

/**
 * Where a trial stands, as {@code trial.json} in its run directory: its status, the highest rung
 * of successive halving it reached (-1: none, or no early stopping), and every epoch it evaluated.
 */
public record TrialOutcome(String trial, Map<String, String> values, Status status, String message, int rung,
                           List<EpochScore> scores, double seconds, String runDir) {
    /** trial.json's one mapper: each epoch's scores under metrics.jsonl's names ({@code test_top5_accuracy}). */
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    public enum Status {
        /** Training now. */
        RUNNING,
        /** Waiting at a rung while the sweep runs: it goes on if it ranks in the rung's top 1/eta. */
        PAUSED,
        /** Left at a rung when the sweep ended (a restart with more trials may still promote it). */
        STOPPED,
        /** Trained all its epochs, or stopped by its own train.stop rule. */
        FINISHED,
        /** The loss became NaN or infinite: its last good checkpoint kept. */
        DIVERGED,
        /** Its network cannot be built (a layer's geometry): never started. */
        INVALID,
        /** A Spark job or the data failed: tried again when the sweep starts again. */
        FAILED;

        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Status parse(String text) {
            return text.equals("done") ? FINISHED : valueOf(text.toUpperCase(Locale.ROOT)); // "done": before ASHA
        }
    }

    public TrialOutcome {
        scores = List.copyOf(scores);
    }

    static TrialOutcome of(Trial trial, Status status, String message, int rung, List<EpochResult> epochs,
                           double seconds, String runDir) {
        return new TrialOutcome(trial.name(), trial.valueTexts(), status, message, rung,
                epochs.stream().map(EpochScore::of).toList(), seconds, runDir);
    }

    /** A trial before its first epoch, or one that never starts. */
    static TrialOutcome waiting(Trial trial, Status status, String message, String runDir) {
        return new TrialOutcome(trial.name(), trial.valueTexts(), status, message, -1, List.of(), 0, runDir);
    }

    TrialOutcome with(Status newStatus) {
        return new TrialOutcome(trial, values, newStatus, message, rung, scores, seconds, runDir);
    }

    /** Done for good: a sweep without early stopping does not run it again. */
    boolean isFinal() {
        return status == Status.FINISHED || status == Status.DIVERGED || status == Status.INVALID;
    }

    /** Epochs trained and evaluated. */
    public int epochs() {
        return scores.size();
    }

    /** The metric's best value (NaN before the first epoch) and its epoch (0 then). */
    public double best(Objective objective) {
        return objective.best(scores).map(objective::of).orElse(Double.NaN);
    }

    public int bestEpoch(Objective objective) {
        return objective.best(scores).map(EpochScore::epoch).orElse(0);
    }

    public double bestTestAccuracy() {
        return best(Objective.TEST_ACCURACY);
    }

    /** A number of the last epoch, e.g. {@code last(EpochScore::testAccuracy)}; NaN before the first. */
    public double last(ToDoubleFunction<EpochScore> number) {
        return scores.isEmpty() ? Double.NaN : number.applyAsDouble(scores.get(scores.size() - 1));
    }

    /** The status as people read it: {@code stopped at rung 1}. */
    public String describe() {
        return switch (status) {
            case PAUSED, STOPPED -> rung < 0 ? status.text() : status.text() + " at rung " + rung;
            default -> status.text();
        };
    }

    String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trial", trial);
        m.put("values", values);
        m.put("status", status.text());
        m.put("message", message);
        m.put("rung", rung);
        m.put("epochs", epochs());
        m.put("best_test_accuracy", bestTestAccuracy());
        m.put("seconds", seconds);
        m.put("run_dir", runDir);
        m.put("scores", JSON.valueToTree(scores));
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static TrialOutcome fromJson(String text) {
        try {
            JsonNode n = JSON.readTree(text);
            Map<String, String> values = new LinkedHashMap<>();
            n.get("values").fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue().asText()));
            List<EpochScore> scores = n.has("scores")
                    ? JSON.readerForListOf(EpochScore.class).readValue(n.get("scores")) : List.of();
            return new TrialOutcome(n.get("trial").asText(), values, Status.parse(n.get("status").asText()),
                    n.get("message").asText(), n.path("rung").asInt(-1), scores, n.get("seconds").asDouble(),
                    n.get("run_dir").asText());
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalStateException("unreadable " + SweepLayout.TRIAL + ": " + e.getMessage(), e);
        }
    }
}
