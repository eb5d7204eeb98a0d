package sparkcnn.jobs.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrialOutcomeTest {
    @Test
    void trialJsonKeepsEveryEpochUnderMetricsJsonlNames() {
        var outcome = new TrialOutcome("trial-3", Map.of("train.optimizer.learning-rate", "0.01"),
                TrialOutcome.Status.PAUSED, "", 1, List.of(new EpochScore(1, 0.75, 0.5, 0.9, 0.6),
                new EpochScore(2, 0.8, Double.NaN, 0.95, 0.4)), 12.5, "runs/sweep/trial-3");
        String json = outcome.toJson();
        assertTrue(json.contains("\"test_top5_accuracy\" : 0.95") && json.contains("\"train_loss\" : 0.4"), json);
        assertEquals(outcome, TrialOutcome.fromJson(json));
        assertEquals(0.8, outcome.last(EpochScore::testAccuracy));
        assertTrue(Double.isNaN(TrialOutcome.fromJson(json).last(EpochScore::testLoss)));
    }
}
