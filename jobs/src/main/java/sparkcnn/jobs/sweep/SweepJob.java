package sparkcnn.jobs.sweep;

import sparkcnn.driver.run.RunStart;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueFactory;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sparkcnn.driver.SparkContexts;
import sparkcnn.driver.io.RunStore;
import sparkcnn.driver.run.RunLayout;
import sparkcnn.driver.train.TrainingRun;
import sparkcnn.driver.train.DivergenceException;
import sparkcnn.jobs.config.JobConfig;
import sparkcnn.jobs.train.ResumeChanges;
import sparkcnn.jobs.train.TrainJob;
import sparkcnn.jobs.train.TrainSpec;
import sparkcnn.kernels.net.GraphBuilder;

/**
 * {@code sweep}: trains every trial of a sweep on one Spark application, {@code parallel} at a time
 * (each in its own FAIR scheduler pool), each into its own run directory under the sweep's, and
 * ranks them in a leaderboard. Trials that finished in an earlier start are not run again; an
 * interrupted one resumes from its latest checkpoint.
 */
public final class SweepJob {
    public static final String SWEEP_FILE = "sweep.conf";
    private static final Logger log = LoggerFactory.getLogger(SweepJob.class);

    /** A trial with its checked job. */
    private record Planned(Trial trial, Config config, TrainSpec spec) {
    }

    private final SweepSpec sweep;
    private final List<String> baseOverrides;
    private final String master;
    private final PrintStream out;

    /** @param master a Spark master given on the command line, or null for the base job's (or spark-submit's) */
    public SweepJob(SweepSpec sweep, List<String> baseOverrides, String master, PrintStream out) {
        this.sweep = sweep;
        this.baseOverrides = baseOverrides;
        this.master = master;
        this.out = out;
    }

    public Leaderboard run() {
        Config base = JobConfig.load(sweep.base(), baseOverrides);
        List<Planned> plan = plan(base);
        String sparkMaster = master != null ? master : base.getString("spark.master");
        try (JavaSparkContext sc = SparkContexts.start(sparkMaster, base.getString("spark.app-name") + " sweep",
                master != null, sweep.parallel() > 1, plan.get(0).spec().backend())) {
            RunStore store = new RunStore(sweep.dir(), sc.hadoopConfiguration());
            List<TrialOutcome> outcomes = new ArrayList<>();
            List<Planned> todo = new ArrayList<>();
            for (Planned p : plan) { // every trial checked against what an earlier start ran, before any runs
                RunLayout trialRun = RunLayout.of(p.spec().runDir(), sc.hadoopConfiguration());
                requireSameJob(trialRun, p);
                TrialOutcome earlier = earlierOutcome(trialRun);
                if (earlier != null && earlier.isFinal()) {
                    outcomes.add(earlier);
                } else {
                    todo.add(p);
                }
            }
            store.writeText(SWEEP_FILE, readSweepFile());
            out.printf("sweep %s: %d trials over %s; %d finished before, %d to run, %d at once%n", store.root(),
                    plan.size(), sweep.keys(), outcomes.size(), todo.size(), sweep.parallel());
            outcomes.addAll(runAll(sc, todo));
            Leaderboard board = new Leaderboard(sweep.keys(), outcomes, sweep.rankBy());
            board.write(store);
            printTop(board, store);
            return board;
        }
    }

    /** Every trial's job, with keys and layer geometry checked before Spark starts. */
    private List<Planned> plan(Config base) {
        List<Planned> plan = new ArrayList<>();
        for (Trial trial : sweep.trials()) {
            Config config = JobConfig.override(base, trial.overrides(sweep.common()),
                    "sweep " + sweep.file() + " (" + trial.name() + ")")
                    .withValue("run.dir", ConfigValueFactory.fromAnyRef(sweep.dir() + "/" + trial.name()));
            TrainSpec spec = TrainSpec.from(config);
            try {
                GraphBuilder.build(spec.model().architecture(), spec.optimizer(), spec.seed());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(trial.name() + " " + trial.valueTexts() + ": " + e.getMessage(), e);
            }
            plan.add(new Planned(trial, config, spec));
        }
        return plan;
    }

    private List<TrialOutcome> runAll(JavaSparkContext sc, List<Planned> todo) {
        ExecutorService pool = Executors.newFixedThreadPool(sweep.parallel());
        try {
            List<Future<TrialOutcome>> running = new ArrayList<>();
            for (Planned p : todo) {
                running.add(pool.submit(() -> runTrial(sc, p)));
            }
            List<TrialOutcome> outcomes = new ArrayList<>();
            for (Future<TrialOutcome> f : running) {
                outcomes.add(f.get());
            }
            return outcomes;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("sweep interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a trial crashed the sweep: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private TrialOutcome runTrial(JavaSparkContext sc, Planned p) {
        Trial trial = p.trial();
        sc.setLocalProperty("spark.scheduler.pool", trial.name());
        RunLayout run = RunLayout.of(p.spec().runDir(), sc.hadoopConfiguration());
        boolean resume = run.has(RunLayout.LATEST);
        PrintStream trialOut = LinePrefixStream.of(out, "[" + trial.name() + "] ");
        trialOut.printf("%s %s%n", resume ? "resuming" : "starting", trial.valueTexts());
        long t0 = System.nanoTime();
        TrialOutcome outcome;
        try {
            // a trial directory without a checkpoint holds at most a start that died early: begin afresh
            TrainingRun.Result result = new TrainJob(p.config(), trialOut, false).runOn(sc,
                    resume ? RunStart.RESUME : RunStart.OVERWRITE);
            outcome = TrialOutcome.done(trial, result, seconds(t0));
        } catch (DivergenceException e) {
            outcome = TrialOutcome.stopped(trial, "diverged", e.getMessage(), seconds(t0), run.root());
        } catch (Exception e) { // a Spark job failed (SparkException, undeclared) or bad data: try again next start
            log.error("{} failed", trial.name(), e);
            outcome = TrialOutcome.stopped(trial, "failed", String.valueOf(e.getMessage()), seconds(t0), run.root());
        }
        run.writeText(TrialOutcome.FILE, outcome.toJson());
        trialOut.printf("%s: best test accuracy %.4f%n", outcome.status(), outcome.bestTestAccuracy());
        return outcome;
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
            throw new ConfigException.Generic(String.format(java.util.Locale.ROOT, "%s ran with %s = %s, but the sweep "
                    + "now gives it %s (%d keys differ: %s): an edited sweep, base job or --set needs a new sweep.dir",
                    run.root(), first, changes.get(first).get(0), changes.get(first).get(1), changes.size(),
                    changes.keySet()));
        }
    }

    /** The outcome an earlier start recorded. */
    private TrialOutcome earlierOutcome(RunLayout run) {
        if (!run.has(TrialOutcome.FILE)) {
            return null;
        }
        return TrialOutcome.fromJson(run.readText(TrialOutcome.FILE));
    }

    private String readSweepFile() {
        try {
            return Files.readString(sweep.file().toPath());
        } catch (java.io.IOException e) {
            throw new ConfigException.Generic("cannot read " + sweep.file() + ": " + e.getMessage());
        }
    }

    private void printTop(Leaderboard board, RunStore store) {
        out.printf("leaderboard (%s, %s):%n", store.uri(Leaderboard.CSV), store.uri(Leaderboard.HTML));
        int rank = 1;
        for (TrialOutcome o : board.ranked()) {
            out.printf("  %2d. %s  %-8s best test accuracy %s  %s%n", rank++, o.trial(), o.status(),
                    Double.isNaN(o.bestTestAccuracy()) ? "-" : String.format("%.4f", o.bestTestAccuracy()), o.values());
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
