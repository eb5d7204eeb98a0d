package sparkcnn.jobs.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sparkcnn.jobs.sweep.TrialOutcome.Status;
import sparkcnn.jobs.sweep.TrialScheduler.Job;

/**
 * Successive halving's decisions, on trials whose metric is known in advance and the same at every
 * epoch: trial-i scores SCORES[i-1]/100, so trial-2 is the best; higher or lower is better as the mode says.
 */
class AshaTest {
    private static final Rungs RUNGS = new Rungs(3, 1, 9); // rungs at epochs 1, 3, 9
    private static final List<Trial> TRIALS = IntStream.rangeClosed(1, 9)
            .mapToObj(i -> new Trial("trial-" + i, Map.of())).toList();

    private static final int[] SCORES = {5, 9, 1, 7, 3, 8, 2, 6, 4};

    @TempDir
    Path dir;

    private SweepLayout store() {
        return new SweepLayout(dir.toString(), new Configuration());
    }

    /** A job's end as its run reports it: every epoch up to the rung, the trial's score at each. */
    private static TrialOutcome reached(Job job, double score) {
        List<EpochScore> scores = IntStream.rangeClosed(1, job.untilEpoch())
                .mapToObj(e -> new EpochScore(e, score, 1 - score, score, 1 - score)).toList();
        Status status = job.rung() == RUNGS.top() ? Status.FINISHED : Status.PAUSED;
        return new TrialOutcome(job.trial().name(), Map.of(), status, "", job.rung(), scores, 1, "runs/x");
    }

    private static double score(Job job) {
        return SCORES[Integer.parseInt(job.trial().name().substring("trial-".length())) - 1] / 100.0;
    }

    @Test
    void promotesOnlyTheTopThirdOfARungAndFinishesTheBestTrialInAThirdOfTheEpochs() {
        Asha asha = new Asha(TRIALS, RUNGS, Objective.TEST_ACCURACY, store(), Map.of());
        Map<Integer, Map<String, Double>> reached = new HashMap<>();
        Map<String, Integer> epochs = new LinkedHashMap<>();
        for (Optional<Job> next = asha.next(); next.isPresent(); next = asha.next()) {
            Job job = next.get();
            if (job.rung() > 0) { // a promotion: at this moment in the top 1/eta of the rung below
                Map<String, Double> below = reached.get(job.rung() - 1);
                long better = below.values().stream().filter(v -> v > score(job)).count();
                assertTrue(better < below.size() / 3, job + " promoted from outside the top third of " + below);
            }
            assertEquals(RUNGS.epochOf(job.rung()), job.untilEpoch());
            epochs.merge(job.trial().name(), job.untilEpoch() - epochs.getOrDefault(job.trial().name(), 0), Integer::sum);
            reached.computeIfAbsent(job.rung(), r -> new LinkedHashMap<>()).put(job.trial().name(), score(job));
            asha.ended(job, reached(job, score(job)));
        }
        assertEquals(9, reached.get(0).size(), "every trial starts");
        assertTrue(reached.get(2).containsKey("trial-2"), "the best trial finishes: " + reached);
        int used = epochs.values().stream().mapToInt(Integer::intValue).sum();
        assertTrue(used <= 9 * 9 / 3, used + " epochs of 81: " + epochs);
        assertEquals(1, epochs.get("trial-3"), "the worst trial stops at the first rung");
    }

    /**
     * 8 trials, eta 3, up to 4 epochs (rungs 1, 3, 4): the paper's rule promotes 2 of rung 0 and none of
     * the 2 at rung 1, so nobody would finish; the best of rung 1 then trains to the end.
     */
    @Test
    void theBestTrialTrainsToTheEndWhenTheRungsAboveStayEmpty() {
        Rungs rungs = new Rungs(3, 1, 4);
        Asha asha = new Asha(TRIALS.subList(0, 8), rungs, Objective.TEST_ACCURACY, store(), Map.of());
        Map<String, Integer> epochs = new LinkedHashMap<>();
        Map<String, Integer> rungOf = new LinkedHashMap<>();
        for (Optional<Job> next = asha.next(); next.isPresent(); next = asha.next()) {
            Job job = next.get();
            epochs.merge(job.trial().name(), job.untilEpoch() - epochs.getOrDefault(job.trial().name(), 0), Integer::sum);
            rungOf.put(job.trial().name(), job.rung());
            Status status = job.rung() == rungs.top() ? Status.FINISHED : Status.PAUSED;
            asha.ended(job, reached(job, score(job)).with(status));
        }
        List<String> finished = rungOf.entrySet().stream().filter(e -> e.getValue() == rungs.top()).map(Map.Entry::getKey)
                .toList();
        assertEquals(List.of("trial-2"), finished, "the best trial, and only it, trains 4 epochs: " + epochs);
        assertTrue(epochs.values().stream().filter(e -> e == 1).count() >= 5, "most stop after 1 epoch: " + epochs);
        int used = epochs.values().stream().mapToInt(Integer::intValue).sum();
        assertTrue(used <= 0.6 * 32, used + " epochs of the full search's 32: " + epochs);
    }

    @Test
    void minimisingALossPromotesTheLowest() {
        Objective loss = Objective.parse("test-loss", "auto");
        Asha asha = new Asha(TRIALS.subList(0, 3), RUNGS, loss, store(), Map.of());
        for (int i = 0; i < 3; i++) {
            Job job = asha.next().orElseThrow();
            asha.ended(job, reached(job, score(job))); // test loss 1 - score: trial-2 lowest
        }
        Job promoted = asha.next().orElseThrow();
        assertEquals("trial-2", promoted.trial().name());
        assertEquals(1, promoted.rung());
    }

    @Test
    void aTrialThatStoppedItselfAtARungCountsThereButGoesNoFurther() {
        Asha asha = new Asha(TRIALS.subList(0, 3), RUNGS, Objective.TEST_ACCURACY, store(), Map.of());
        for (int i = 0; i < 3; i++) {
            Job job = asha.next().orElseThrow();
            TrialOutcome outcome = reached(job, score(job));
            if (job.trial().name().equals("trial-2")) { // the best, its train.stop target reached at epoch 1
                outcome = outcome.with(Status.FINISHED);
            }
            asha.ended(job, outcome);
        }
        assertEquals(Optional.empty(), asha.next(), "trial-2 fills the rung's top third and is not sent on");
    }

    @Test
    void aSweepStartedAgainKeepsItsDecisionsAndContinuesTheJobsInFlightFirst() {
        Asha first = new Asha(TRIALS, RUNGS, Objective.TEST_ACCURACY, store(), Map.of());
        List<Job> taken = new ArrayList<>();
        for (int i = 0; i < 4; i++) { // trial-1..3 reach rung 0; trial-2 is promoted
            Job job = first.next().orElseThrow();
            taken.add(job);
            if (i < 3) {
                first.ended(job, reached(job, score(job)));
            }
        }
        assertEquals(new Job(TRIALS.get(1), 1, 3), taken.get(3));
        Job alsoInFlight = first.next().orElseThrow(); // a second slot starts trial-4
        assertEquals(new Job(TRIALS.get(3), 0, 1), alsoInFlight);
        // the driver dies here: trial-3's promotion and trial-4's start were taken, neither ended

        Asha again = new Asha(TRIALS, RUNGS, Objective.TEST_ACCURACY, store(), Map.of());
        assertEquals(taken.get(3), again.next().orElseThrow(), "the promotion taken is continued, not taken anew");
        assertEquals(alsoInFlight, again.next().orElseThrow());
        assertEquals(new Job(TRIALS.get(4), 0, 1), again.next().orElseThrow(), "then the search goes on");

        // a trial that diverged in an earlier start is not sent anywhere again
        Map<String, TrialOutcome> earlier = Map.of("trial-2", new TrialOutcome("trial-2", Map.of(), Status.DIVERGED,
                "NaN loss", 0, List.of(), 1, "runs/x"));
        Asha afterDivergence = new Asha(TRIALS, RUNGS, Objective.TEST_ACCURACY, store(), earlier);
        assertEquals("trial-4", afterDivergence.next().orElseThrow().trial().name());
    }

    @Test
    void otherRungsOrAnotherMetricInTheSameDirectoryAreRefused() {
        Asha asha = new Asha(TRIALS, RUNGS, Objective.TEST_ACCURACY, store(), Map.of());
        asha.next();
        var eta = assertThrows(ConfigException.class,
                () -> new Asha(TRIALS, new Rungs(2, 1, 9), Objective.TEST_ACCURACY, store(), Map.of()));
        assertTrue(eta.getMessage().contains("eta 3") && eta.getMessage().contains("new sweep.dir"), eta.getMessage());
        var metric = assertThrows(ConfigException.class,
                () -> new Asha(TRIALS, RUNGS, Objective.parse("test-loss", "auto"), store(), Map.of()));
        assertTrue(metric.getMessage().contains("test-loss min"), metric.getMessage());
        assertTrue(store().ashaDecisions().isPresent(), "the first decision was not journalled");
    }

    @Test
    void rungsGrowByEtaUpToTheLastEpoch() {
        assertEquals(List.of(1, 3, 8), new Rungs(3, 1, 8).epochs());
        assertEquals(List.of(1, 4, 8), new Rungs(4, 1, 8).epochs());
        assertEquals(List.of(2, 4, 8), new Rungs(2, 2, 8).epochs());
        assertEquals(List.of(5), new Rungs(3, 5, 5).epochs());
        assertEquals(List.of(1, 3, 9), new Rungs(3, 1, 0).resolve(9).epochs());
        assertEquals(3, new Rungs(3, 1, 9).goOn(9));
    }
}
