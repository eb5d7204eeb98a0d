package sparkcnn.jobs.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code sweep.scheduler = asha}: asynchronous successive halving (Li et al. 2020, "A System for
 * Massively Parallel Hyperparameter Tuning", Algorithm 2). Whenever a slot is free, the highest
 * rung with a trial in its top 1/eta that has not gone on yet promotes that trial to the next
 * rung (it continues from its checkpoint); otherwise the next trial starts at rung 0. With few
 * trials the top rungs may never fill (a rung of fewer than eta trials promotes none), so once no
 * trial is left to start, none is running and none has finished, the best trial waiting at the
 * highest occupied rung goes on, rung by rung, until one has trained to the end (as Optuna's
 * successive halving promotes a rung's best however few it holds): the search's winner is a finished
 * model. Trials left at a rung when nothing is running are stopped there.
 *
 * <p>Every decision is written to {@code asha.json} in the sweep directory before its job starts,
 * and every rung reached when its job ends: a sweep started again keeps the decisions taken and
 * first continues the jobs that were in flight.
 */
final class Asha implements TrialScheduler {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A trial sent to a rung, as asha.json records it. */
    record Decision(String trial, int rung) {
    }

    /** A trial that reached a rung, and its metric there. */
    record Reached(String trial, int rung, int epoch, double value) {
    }

    /** The trials by name, in the order new ones start. */
    private final Map<String, Trial> trials = new LinkedHashMap<>();
    private final Rungs rungs;
    private final Objective objective;
    private final SweepLayout sweepDir;
    /** Per rung, the trials that reached it and their metric there. */
    private final List<Map<String, Double>> reached = new ArrayList<>();
    /** The trials sent to rungs, in the order decided: a trial's last one is where it is going or waits. */
    private final List<Decision> decisions = new ArrayList<>();
    /** Trials that take no further part in this start: finished early, diverged, invalid, or failed now. */
    private final Set<String> out = new HashSet<>();
    /** Jobs an earlier start began and did not see end: continued first. */
    private final Deque<Job> unfinished = new ArrayDeque<>();
    /** Whether a trial has finished: trained to the last rung, or stopped by its own train.stop target. */
    private boolean anyFinished;

    /** @param earlier the outcomes recorded before this start (trial.json), by trial */
    Asha(List<Trial> trials, Rungs rungs, Objective objective, SweepLayout sweepDir, Map<String, TrialOutcome> earlier) {
        trials.forEach(t -> this.trials.put(t.name(), t));
        this.rungs = rungs;
        this.objective = objective;
        this.sweepDir = sweepDir;
        rungs.epochs().forEach(e -> reached.add(new LinkedHashMap<>()));
        earlier.values().stream().filter(o -> o.status() == TrialOutcome.Status.INVALID
                || o.status() == TrialOutcome.Status.DIVERGED
                || o.status() == TrialOutcome.Status.FINISHED).forEach(o -> out.add(o.trial()));
        anyFinished = earlier.values().stream().anyMatch(o -> o.status() == TrialOutcome.Status.FINISHED);
        sweepDir.ashaDecisions().ifPresent(this::replay);
        sentTo().forEach((trial, rung) -> {
            if (!reached.get(rung).containsKey(trial) && !out.contains(trial)) {
                unfinished.add(job(this.trials.get(trial), rung));
            }
        });
    }

    @Override
    public Optional<Job> next() {
        if (!unfinished.isEmpty()) {
            return Optional.of(unfinished.poll());
        }
        Map<String, Integer> sentTo = sentTo();
        Comparator<Map.Entry<String, Double>> best = Map.Entry.<String, Double>comparingByValue(objective.order())
                .thenComparing(Map.Entry.comparingByKey());
        for (int rung = rungs.top() - 1; rung >= 0; rung--) {
            Map<String, Double> at = reached.get(rung);
            int goOn = rungs.goOn(at.size());
            for (var e : at.entrySet().stream().sorted(best).limit(goOn).toList()) {
                if (sentTo.get(e.getKey()) == rung && !out.contains(e.getKey())) {
                    return Optional.of(decide(trials.get(e.getKey()), rung + 1));
                }
            }
        }
        Optional<Trial> fresh = trials.values().stream()
                .filter(t -> !sentTo.containsKey(t.name()) && !out.contains(t.name())).findFirst();
        if (fresh.isPresent()) {
            return Optional.of(decide(fresh.get(), 0));
        }
        return bestToTheEnd(sentTo, best);
    }

    /** The best trial waiting at the highest occupied rung, sent one rung on while nothing else can finish the search. */
    private Optional<Job> bestToTheEnd(Map<String, Integer> sentTo, Comparator<Map.Entry<String, Double>> best) {
        if (anyFinished || !reached.get(rungs.top()).isEmpty() || sentTo.entrySet().stream()
                .anyMatch(e -> !out.contains(e.getKey()) && !reached.get(e.getValue()).containsKey(e.getKey()))) {
            return Optional.empty(); // a trial finished, or one is still running
        }
        for (int rung = rungs.top() - 1; rung >= 0; rung--) {
            int r = rung;
            Optional<String> waiting = reached.get(rung).entrySet().stream()
                    .filter(e -> sentTo.get(e.getKey()) == r && !out.contains(e.getKey()))
                    .sorted(best).map(Map.Entry::getKey).findFirst();
            if (waiting.isPresent()) {
                return Optional.of(decide(trials.get(waiting.get()), rung + 1));
            }
        }
        return Optional.empty();
    }

    @Override
    public void ended(Job job, TrialOutcome outcome) {
        int epoch = rungs.epochOf(job.rung());
        Optional<EpochScore> atRung = outcome.scores().stream().filter(s -> s.epoch() == epoch).findFirst();
        if (outcome.status() != TrialOutcome.Status.FAILED && atRung.isPresent()) {
            reached.get(job.rung()).put(job.trial().name(), objective.of(atRung.get()));
            save();
        }
        if (outcome.status() != TrialOutcome.Status.PAUSED) { // finished, diverged, or failed (tried next start)
            out.add(job.trial().name());
        }
        anyFinished |= outcome.status() == TrialOutcome.Status.FINISHED;
    }

    /** Jobs an earlier start began and this one continues first. */
    int continued() {
        return unfinished.size();
    }

    /** Each trial sent anywhere, and the rung of its latest decision. */
    private Map<String, Integer> sentTo() {
        Map<String, Integer> sentTo = new LinkedHashMap<>();
        decisions.forEach(d -> sentTo.put(d.trial(), d.rung()));
        return sentTo;
    }

    private Job decide(Trial trial, int rung) {
        decisions.add(new Decision(trial.name(), rung));
        save(); // before the job starts: a promotion taken is kept
        return job(trial, rung);
    }

    private Job job(Trial trial, int rung) {
        return new Job(trial, rung, rungs.epochOf(rung));
    }

    /** What the decisions depend on: the metric, its direction and the rungs. */
    private ObjectNode settings() {
        ObjectNode settings = JSON.createObjectNode();
        settings.put("metric", objective.metric().text());
        settings.put("mode", objective.maximize() ? "max" : "min");
        settings.put("eta", rungs.eta());
        settings.set("rungs", JSON.valueToTree(rungs.epochs()));
        return settings;
    }

    private static String describe(JsonNode settings) {
        return settings.get("metric").asText() + " " + settings.get("mode").asText() + ", eta "
                + settings.get("eta").asInt() + ", rungs " + settings.get("rungs");
    }

    private void save() {
        List<Reached> results = new ArrayList<>();
        for (int rung = 0; rung < reached.size(); rung++) {
            int epoch = rungs.epochOf(rung);
            int r = rung;
            reached.get(rung).forEach((trial, value) -> results.add(new Reached(trial, r, epoch, value)));
        }
        ObjectNode root = settings();
        root.set("decisions", JSON.valueToTree(decisions));
        root.set("results", JSON.valueToTree(results));
        try {
            sweepDir.writeAshaDecisions(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The decisions and rungs of earlier starts, which must have used the same rungs and metric. */
    private void replay(String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException("unreadable " + sweepDir.uri(SweepLayout.ASHA) + ": " + e.getMessage(), e);
        }
        String was = describe(root);
        String now = describe(settings());
        if (!was.equals(now)) {
            throw new ConfigException.Generic(sweepDir.uri(SweepLayout.ASHA) + " holds the decisions of a sweep with " + was
                    + ", but the sweep now asks for " + now + ": changed sweep.metric, mode or asha keys need a new "
                    + "sweep.dir");
        }
        for (JsonNode d : (ArrayNode) root.get("decisions")) {
            String trial = d.get("trial").asText();
            if (!trials.containsKey(trial)) {
                throw new ConfigException.Generic(sweepDir.uri(SweepLayout.ASHA) + " sent " + trial + " to a rung, but the sweep "
                        + "has no such trial now (fewer trials?): an edited sweep needs a new sweep.dir");
            }
            decisions.add(new Decision(trial, d.get("rung").asInt()));
        }
        for (JsonNode r : (ArrayNode) root.get("results")) {
            reached.get(r.get("rung").asInt()).put(r.get("trial").asText(), r.get("value").asDouble());
        }
    }
}
