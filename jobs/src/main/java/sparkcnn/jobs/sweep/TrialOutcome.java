package sparkcnn.jobs.sweep;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import sparkcnn.driver.train.EpochResult;
import sparkcnn.driver.run.RunLayout;
import sparkcnn.driver.train.TrainingRun;

/**
 * What a trial came to, as {@code trial.json} in its run directory. {@code done} and {@code diverged}
 * are final (a sweep started again skips them); a {@code failed} trial is tried again.
 */
public record TrialOutcome(String trial, Map<String, String> values, String status, String message,
                           double bestTestAccuracy, int bestEpoch, double finalTestAccuracy, double finalTrainLoss,
                           int epochs, double seconds, String runDir) {
    public static final String FILE = RunLayout.TRIAL;
    private static final ObjectMapper JSON = new ObjectMapper();

    static TrialOutcome done(Trial trial, TrainingRun.Result result, double seconds) {
        List<EpochResult> epochs = result.epochs();
        EpochResult best = epochs.stream()
                .max(Comparator.comparingDouble(e -> e.test().accuracy())).orElseThrow();
        EpochResult last = epochs.get(epochs.size() - 1);
        return new TrialOutcome(trial.name(), trial.valueTexts(), "done", "", best.test().accuracy(), best.epoch(),
                last.test().accuracy(), last.trainLoss(), epochs.size(), seconds, result.runDir());
    }

    static TrialOutcome stopped(Trial trial, String status, String message, double seconds, String runDir) {
        return new TrialOutcome(trial.name(), trial.valueTexts(), status, message, Double.NaN, 0, Double.NaN,
                Double.NaN, 0, seconds, runDir);
    }

    boolean isFinal() {
        return status.equals("done") || status.equals("diverged");
    }

    String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trial", trial);
        m.put("values", values);
        m.put("status", status);
        m.put("message", message);
        m.put("best_test_accuracy", bestTestAccuracy);
        m.put("best_epoch", bestEpoch);
        m.put("final_test_accuracy", finalTestAccuracy);
        m.put("final_train_loss", finalTrainLoss);
        m.put("epochs", epochs);
        m.put("seconds", seconds);
        m.put("run_dir", runDir);
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
            return new TrialOutcome(n.get("trial").asText(), values, n.get("status").asText(),
                    n.get("message").asText(), n.get("best_test_accuracy").asDouble(Double.NaN),
                    n.get("best_epoch").asInt(), n.get("final_test_accuracy").asDouble(Double.NaN),
                    n.get("final_train_loss").asDouble(Double.NaN), n.get("epochs").asInt(),
                    n.get("seconds").asDouble(), n.get("run_dir").asText());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable " + FILE + ": " + e.getMessage(), e);
        }
    }
}
