package sparkcnn.jobs.sweep;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueFactory;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.spark.api.java.JavaSparkContext;
import sparkcnn.driver.SparkContexts;
import sparkcnn.driver.io.RunLock;
import sparkcnn.driver.run.RunLayout;
import sparkcnn.jobs.config.JobConfig;
import sparkcnn.jobs.sweep.TrialOutcome.Status;
import sparkcnn.jobs.sweep.TrialScheduler.Job;
import sparkcnn.jobs.train.ResumeChanges;
import sparkcnn.jobs.train.TrainSpec;
import sparkcnn.kernels.net.GraphBuilder;

/**
 * {@code sweep}: trains the trials of a sweep on one Spark application, {@code parallel} at a time
 * (each in its own FAIR scheduler pool), each into its own run directory under the sweep's, as its
 * scheduler decides: every trial to the end, or successive halving ({@link Asha}). The leaderboard
 * is rewritten whenever a job starts or ends. A sweep is a run too: started again, it skips what
 * is done, continues what was in flight from its checkpoints, and keeps the decisions taken.
 */
public final class SweepJob {

    /** A trial with its checked job (null spec: its network cannot be built, as {@code invalid} says). */
    record Planned(Trial trial, Config config, TrainSpec spec, String invalid) {
    }

    private record Ended(Job job, TrialOutcome outcome) {
    }

    private final SweepSpec sweep;
    private final List<String> baseOverrides;
    private final String master;
    private final PrintStream out;
    private final SweepLayout sweepDir;
    /** What the valid trials would train without early stopping. */
    private int fullEpochs;
    /** SIGTERM or Ctrl-C: every running trial checkpoints and stops after its round, no new one starts. */
    private final SweepStop stop = new SweepStop();

    /** @param master a Spark master given on the command line, or null for the base job's (or spark-submit's) */
    public SweepJob(SweepSpec sweep, List<String> baseOverrides, String master, PrintStream out) {
        this.sweep = sweep;
        this.baseOverrides = baseOverrides;
        this.master = master;
        this.out = out;
        this.sweepDir = new SweepLayout(sweep.dir(), SparkContexts.hadoopConfiguration());
    }

    public Leaderboard run() {
        Config base = JobConfig.load(sweep.base(), baseOverrides);
        Rungs rungs = sweep.asha() == null ? null : sweep.asha().resolve(JobConfig.override(base, sweep.common(),
                "sweep " + sweep.file()).getInt("train.epochs"));
        Map<String, Planned> plan = plan(base, rungs);
        fullEpochs = plan.values().stream().filter(p -> p.spec() != null).mapToInt(p -> p.spec().epochs()).sum();
        String sparkMaster = master != null ? master : base.getString("spark.master");
        SparkContexts.requireReachable(sparkMaster, master != null, System.getenv());
        try (RunLock lock = sweepDir.lock();
             JavaSparkContext sc = SparkContexts.start(sparkMaster, base.getString("spark.app-name") + " sweep",
                     master != null, sweep.parallel() > 1, firstValid(plan).spec().backend());
             var signals = stop.onSignals()) {
            Map<String, TrialOutcome> outcomes = recordedOutcomes(plan);
            sweepDir.writeSweepFile(readSweepFile());
            TrialScheduler scheduler = scheduler(plan, outcomes, rungs);
            announce(plan, outcomes, scheduler, rungs);
            runAll(sc, scheduler, plan, outcomes, rungs);
            if (stop.requested()) {
                leaderboard(outcomes, rungs).write(sweepDir);
                throw stop.stopped(sweep.file().toString());
            }
            leaveWaitingTrialsStopped(outcomes);
            Leaderboard board = leaderboard(outcomes, rungs);
            board.write(sweepDir);
            board.print(out, sweepDir);
            return board;
        }
    }

    private static Planned firstValid(Map<String, Planned> plan) {
        return plan.values().stream().filter(p -> p.spec() != null).findFirst().orElseThrow();
    }

    /**
     * Where each trial stood when an earlier start left it, every one checked to be the same job as
     * before (none runs until all are); an invalid trial is recorded as such.
     */
    private Map<String, TrialOutcome> recordedOutcomes(Map<String, Planned> plan) {
        Map<String, TrialOutcome> outcomes = new LinkedHashMap<>();
        for (Planned p : plan.values()) {
            if (p.spec() == null) {
                var invalid = TrialOutcome.waiting(p.trial(), Status.INVALID, p.invalid(), sweepDir.trialDir(p.trial()));
                sweepDir.record(invalid);
                outcomes.put(p.trial().name(), invalid);
                continue;
            }
            requireSameJob(sweepDir.trialRun(p.trial()), p);
            sweepDir.outcome(p.trial()).ifPresent(o -> outcomes.put(p.trial().name(), o));
        }
        return outcomes;
    }

    /** Every trial to the end, or successive halving, of the trials not yet done. */
    private TrialScheduler scheduler(Map<String, Planned> plan, Map<String, TrialOutcome> outcomes, Rungs rungs) {
        return rungs != null ? new Asha(valid(plan), rungs, sweep.objective(), sweepDir, outcomes)
                : new AllEpochs(notDone(plan, outcomes));
    }

    private static List<Trial> valid(Map<String, Planned> plan) {
        return plan.values().stream().filter(p -> p.spec() != null).map(Planned::trial).toList();
    }

    /** The valid trials no earlier start took to a final state. */
    private static List<Trial> notDone(Map<String, Planned> plan, Map<String, TrialOutcome> outcomes) {
        return valid(plan).stream()
                .filter(t -> !outcomes.containsKey(t.name()) || !outcomes.get(t.name()).isFinal()).toList();
    }

    /** The sweep's first lines: its trials, what is done, how they are scheduled. */
    private void announce(Map<String, Planned> plan, Map<String, TrialOutcome> outcomes, TrialScheduler scheduler,
                          Rungs rungs) {
        long finished = outcomes.values().stream().filter(o -> o.status() == Status.FINISHED).count();
        int toRun = notDone(plan, outcomes).size();
        out.printf("sweep %s: %d trials over %s; %d finished before, %s, %d at once%n", sweepDir.root(),
                plan.size(), sweep.keys(), finished, rungs == null ? toRun + " to run"
                        : String.format(Locale.ROOT, "successive halving at epochs %s (the top 1/%d of each rung go "
                                + "on, by %s)", rungs.epochs(), rungs.eta(), sweep.objective().metric().text()),
                sweep.parallel());
        if (scheduler instanceof Asha asha && asha.continued() > 0) {
            out.printf("continuing %d jobs an earlier start began, as %s decided%n", asha.continued(), SweepLayout.ASHA);
        }
    }

    /** The sweep is over: what waits at a rung now stays there. */
    private void leaveWaitingTrialsStopped(Map<String, TrialOutcome> outcomes) {
        for (var e : outcomes.entrySet()) {
            if (e.getValue().status() == Status.PAUSED) {
                e.setValue(e.getValue().with(Status.STOPPED));
                sweepDir.record(e.getValue());
            }
        }
    }

    /**
     * Every trial's job, with keys and layer geometry checked before Spark starts. A trial whose
     * network cannot be built is recorded as invalid and the others go on; if none can, that is an error.
     */
    private Map<String, Planned> plan(Config base, Rungs rungs) {
        Map<String, Planned> plan = new LinkedHashMap<>();
        for (Trial trial : sweep.trials()) {
            Config config = JobConfig.override(base, trial.overrides(sweep.common()),
                    "sweep " + sweep.file() + " (" + trial.name() + ")")
                    .withValue("run.dir", ConfigValueFactory.fromAnyRef(sweepDir.trialDir(trial)));
            if (rungs != null) { // every trial's schedule spans all its epochs, however early it stops
                config = config.withValue("train.epochs", ConfigValueFactory.fromAnyRef(rungs.maxEpochs()));
            }
            TrainSpec spec = TrainSpec.from(config);
            sweep.objective().requireRecordedFor(spec.model().classes());
            try {
                GraphBuilder.build(spec.model().architecture(), spec.optimizer(), spec.seed(), spec.layers());
                plan.put(trial.name(), new Planned(trial, config, spec, null));
            } catch (IllegalArgumentException e) {
                String why = trial.name() + " " + trial.valueTexts() + ": " + e.getMessage();
                out.println("invalid, not run: " + why);
                plan.put(trial.name(), new Planned(trial, config, null, e.getMessage()));
            }
        }
        if (plan.values().stream().allMatch(p -> p.spec() == null)) {
            throw new IllegalArgumentException("no trial of " + sweep.file() + " can be built; the first: "
                    + plan.values().iterator().next().invalid());
        }
        return plan;
    }

    /** Runs the scheduler's jobs, {@code parallel} at a time, until it has none and none is running. */
    private void runAll(JavaSparkContext sc, TrialScheduler scheduler, Map<String, Planned> plan,
                        Map<String, TrialOutcome> outcomes, Rungs rungs) {
        var trials = new TrialRunner(sc, sweepDir, stop, sweep.objective(), out);
        ExecutorService pool = Executors.newFixedThreadPool(sweep.parallel());
        CompletionService<Ended> ended = new ExecutorCompletionService<>(pool);
        int running = 0;
        try {
            while (true) {
                while (running < sweep.parallel() && !stop.requested()) {
                    var next = scheduler.next();
                    if (next.isEmpty()) {
                        break;
                    }
                    Job job = next.get();
                    String name = job.trial().name();
                    TrialOutcome before = outcomes.compute(name, (n, earlier) -> earlier == null
                            ? TrialOutcome.waiting(job.trial(), Status.RUNNING, "", sweepDir.trialDir(job.trial()))
                            : earlier.with(Status.RUNNING));
                    ended.submit(() -> new Ended(job, trials.run(plan.get(name), job, before)));
                    running++;
                }
                leaderboard(outcomes, rungs).write(sweepDir);
                if (running == 0) {
                    return;
                }
                Ended e = ended.take().get();
                running--;
                outcomes.put(e.job().trial().name(), e.outcome());
                scheduler.ended(e.job(), e.outcome());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("sweep interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a trial crashed the sweep: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private Leaderboard leaderboard(Map<String, TrialOutcome> outcomes, Rungs rungs) {
        return new Leaderboard(sweep.keys(), List.copyOf(outcomes.values()), sweep.objective(), rungs,
                fullEpochs);
    }

    /**
     * A trial an earlier start began (finished or not) must continue with the same job: its sweep
     * values, the base job and every --set alike. Only keys a resumed run may change may differ.
     */
    private void requireSameJob(RunLayout run, Planned p) {
        if (!run.has(RunLayout.CONFIG)) {
            return;
        }
        var changes = ResumeChanges.changes(JobConfig.parseRun(run.readText(RunLayout.CONFIG)), p.config());
        changes.keySet().removeIf(ResumeChanges::changeable);
        if (!changes.isEmpty()) {
            String first = changes.keySet().iterator().next();
            throw new ConfigException.Generic(String.format(Locale.ROOT, "%s ran with %s = %s, but the sweep "
                    + "now gives it %s (%d keys differ: %s): an edited sweep, base job or --set needs a new sweep.dir",
                    run.root(), first, changes.get(first).get(0), changes.get(first).get(1), changes.size(),
                    changes.keySet()));
        }
    }

    private String readSweepFile() {
        try {
            return Files.readString(sweep.file().toPath());
        } catch (java.io.IOException e) {
            throw new ConfigException.Generic("cannot read " + sweep.file() + ": " + e.getMessage());
        }
    }

}
