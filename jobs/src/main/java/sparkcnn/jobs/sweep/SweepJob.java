package sparkcnn.jobs.sweep;

import sparkcnn.driver.train.RunStoppedException;
import sparkcnn.driver.train.StopRequest;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueFactory;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.ArrayList;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sparkcnn.driver.SparkContexts;
import sparkcnn.driver.io.RunLock;
import sparkcnn.driver.io.RunStore;
import sparkcnn.driver.run.RunLayout;
import sparkcnn.driver.run.RunStart;
import sparkcnn.driver.train.DivergenceException;
import sparkcnn.driver.train.EpochResult;
import sparkcnn.driver.train.MetricsLog;
import sparkcnn.driver.train.TrainingRun;
import sparkcnn.jobs.config.JobConfig;
import sparkcnn.jobs.sweep.TrialOutcome.Status;
import sparkcnn.jobs.sweep.TrialScheduler.Job;
import sparkcnn.jobs.train.ResumeChanges;
import sparkcnn.jobs.train.TrainJob;
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
    public static final String SWEEP_FILE = "sweep.conf";
    static final String LOCK = "sweep.lock";
    private static final Logger log = LoggerFactory.getLogger(SweepJob.class);

    /** A trial with its checked job (null spec: its network cannot be built, as {@code invalid} says). */
    private record Planned(Trial trial, Config config, TrainSpec spec, String invalid) {
    }

    private record Ended(Job job, TrialOutcome outcome) {
    }

    private final SweepSpec sweep;
    private final List<String> baseOverrides;
    private final String master;
    private final PrintStream out;
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
    }

    public Leaderboard run() {
        Config base = JobConfig.load(sweep.base(), baseOverrides);
        Rungs rungs = sweep.asha() == null ? null : sweep.asha().resolve(JobConfig.override(base, sweep.common(),
                "sweep " + sweep.file()).getInt("train.epochs"));
        Map<String, Planned> plan = plan(base, rungs);
        fullEpochs = plan.values().stream().filter(p -> p.spec() != null).mapToInt(p -> p.spec().epochs()).sum();
        Planned first = plan.values().stream().filter(p -> p.spec() != null).findFirst().orElseThrow();
        String sparkMaster = master != null ? master : base.getString("spark.master");
        RunStore store = new RunStore(sweep.dir(), SparkContexts.hadoopConfiguration());
        try (RunLock lock = RunLock.acquire(store, LOCK);
             JavaSparkContext sc = SparkContexts.start(sparkMaster, base.getString("spark.app-name") + " sweep",
                     master != null, sweep.parallel() > 1, first.spec().backend());
             var signals = stop.onSignals()) {
            Map<String, TrialOutcome> outcomes = new LinkedHashMap<>();
            for (Planned p : plan.values()) { // every trial checked against what an earlier start ran, before any runs
                RunLayout trialRun = RunLayout.of(runDir(p.trial()), sc.hadoopConfiguration());
                if (p.spec() == null) {
                    var invalid = TrialOutcome.waiting(p.trial(), Status.INVALID, p.invalid(), trialRun.root());
                    trialRun.writeText(TrialOutcome.FILE, invalid.toJson());
                    outcomes.put(p.trial().name(), invalid);
                    continue;
                }
                requireSameJob(trialRun, p);
                if (trialRun.has(TrialOutcome.FILE)) {
                    outcomes.put(p.trial().name(), TrialOutcome.fromJson(trialRun.readText(TrialOutcome.FILE)));
                }
            }
            store.writeText(SWEEP_FILE, readSweepFile());
            List<Trial> valid = plan.values().stream().filter(p -> p.spec() != null).map(Planned::trial).toList();
            List<Trial> notDone = valid.stream()
                    .filter(t -> !outcomes.containsKey(t.name()) || !outcomes.get(t.name()).isFinal()).toList();
            TrialScheduler scheduler = rungs == null ? new AllEpochs(notDone)
                    : new Asha(valid, rungs, sweep.objective(), store, outcomes);
            long finished = outcomes.values().stream().filter(o -> o.status() == Status.FINISHED).count();
            out.printf("sweep %s: %d trials over %s; %d finished before, %s, %d at once%n", store.root(),
                    plan.size(), sweep.keys(), finished, rungs == null ? notDone.size() + " to run"
                            : String.format(Locale.ROOT, "successive halving at epochs %s (the top 1/%d of each rung go "
                                    + "on, by %s)", rungs.epochs(), rungs.eta(), sweep.objective().metric().text()),
                    sweep.parallel());
            if (scheduler instanceof Asha asha && asha.continued() > 0) {
                out.printf("continuing %d jobs an earlier start began, as %s decided%n", asha.continued(), Asha.FILE);
            }
            runAll(sc, scheduler, plan, outcomes, store, rungs);
            if (stop.requested()) {
                leaderboard(outcomes, rungs).write(store);
                throw stop.stopped(sweep.file().toString());
            }
            for (var e : outcomes.entrySet()) { // what waits at a rung now stays there
                if (e.getValue().status() == Status.PAUSED) {
                    e.setValue(e.getValue().with(Status.STOPPED));
                    RunLayout.of(e.getValue().runDir(), sc.hadoopConfiguration())
                            .writeText(TrialOutcome.FILE, e.getValue().toJson());
                }
            }
            Leaderboard board = leaderboard(outcomes, rungs);
            board.write(store);
            board.print(out, store);
            return board;
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
                    .withValue("run.dir", ConfigValueFactory.fromAnyRef(runDir(trial)));
            if (rungs != null) { // every trial's schedule spans all its epochs, however early it stops
                config = config.withValue("train.epochs", ConfigValueFactory.fromAnyRef(rungs.maxEpochs()));
            }
            TrainSpec spec = TrainSpec.from(config);
            sweep.objective().requireRecordedFor(spec.model().classes());
            try {
                GraphBuilder.build(spec.model().architecture(), spec.optimizer(), spec.seed());
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
                        Map<String, TrialOutcome> outcomes, RunStore store, Rungs rungs) {
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
                            ? TrialOutcome.waiting(job.trial(), Status.RUNNING, "", runDir(job.trial()))
                            : earlier.with(Status.RUNNING));
                    ended.submit(() -> new Ended(job, runTrial(sc, plan.get(name), job, before)));
                    running++;
                }
                leaderboard(outcomes, rungs).write(store);
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

    /** Trains one job of a trial (from its checkpoint, if it has one) and records how it ended. */
    private TrialOutcome runTrial(JavaSparkContext sc, Planned p, Job job, TrialOutcome before) {
        Trial trial = p.trial();
        sc.setLocalProperty("spark.scheduler.pool", trial.name());
        RunLayout run = RunLayout.of(p.spec().runDir(), sc.hadoopConfiguration());
        boolean resume = run.has(RunLayout.LATEST);
        PrintStream trialOut = LinePrefixStream.of(out, "[" + trial.name() + "] ");
        trialOut.printf("%s %s%s%n", resume ? "resuming" : "starting", trial.valueTexts(), job.rung() < 0 ? ""
                : String.format(Locale.ROOT, " to rung %d (epoch %d)", job.rung(), job.untilEpoch()));
        long t0 = System.nanoTime();
        TrialOutcome outcome;
        StopRequest trialStop = stop.startTrial();
        try {
            // a trial directory without a checkpoint holds at most a start that died early: begin afresh
            TrainingRun.Result result = new TrainJob(p.config(), trialOut, false).runOn(sc,
                    resume ? RunStart.RESUME : RunStart.OVERWRITE, null, job.untilEpoch(), trialStop);
            List<EpochResult> epochs = result.epochs();
            boolean finished = result.stoppedEarly().isPresent()
                    || (!epochs.isEmpty() && epochs.get(epochs.size() - 1).epoch() >= p.spec().epochs());
            outcome = TrialOutcome.of(trial, finished ? Status.FINISHED : Status.PAUSED,
                    result.stoppedEarly().orElse(""), job.rung(), epochs, before.seconds() + seconds(t0), run.root());
        } catch (DivergenceException e) {
            outcome = TrialOutcome.of(trial, Status.DIVERGED, e.getMessage(), before.rung(), recorded(run),
                    before.seconds() + seconds(t0), run.root());
        } catch (RunStoppedException e) { // checkpointed: the next start resumes it where it stopped
            return stopped(trial, before, run, seconds(t0), trialOut);
        } catch (Exception e) { // a Spark job failed (SparkException, undeclared) or bad data: try again next start
            log.error("{} failed", trial.name(), e);
            outcome = TrialOutcome.of(trial, Status.FAILED, String.valueOf(e.getMessage()), before.rung(),
                    recorded(run), before.seconds() + seconds(t0), run.root());
        } finally {
            stop.trialEnded(trialStop);
        }
        run.writeText(TrialOutcome.FILE, outcome.toJson());
        trialOut.printf("%s after %d epochs: best %s %s%n", outcome.describe(), outcome.epochs(),
                sweep.objective().metric().text(), Leaderboard.number(outcome.best(sweep.objective())));
        return outcome;
    }

    /** A trial the sweep's stop stopped: paused where it stands, not failed. */
    private TrialOutcome stopped(Trial trial, TrialOutcome before, RunLayout run, double seconds, PrintStream trialOut) {
        var outcome = TrialOutcome.of(trial, Status.PAUSED, "stopped by " + stop.reason(), before.rung(), recorded(run),
                before.seconds() + seconds, run.root());
        run.writeText(TrialOutcome.FILE, outcome.toJson());
        trialOut.printf("stopped by %s after %d epochs, its last averaged state saved%n", stop.reason(), outcome.epochs());
        return outcome;
    }

    /** The epochs a run evaluated, as its metrics.jsonl holds them. */
    private static List<EpochResult> recorded(RunLayout run) {
        return run.has(RunLayout.METRICS) ? MetricsLog.read(run).epochs() : List.of();
    }

    private Leaderboard leaderboard(Map<String, TrialOutcome> outcomes, Rungs rungs) {
        return new Leaderboard(sweep.keys(), List.copyOf(outcomes.values()), sweep.objective(), rungs,
                fullEpochs);
    }

    private String runDir(Trial trial) {
        return sweep.dir() + "/" + trial.name();
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

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
