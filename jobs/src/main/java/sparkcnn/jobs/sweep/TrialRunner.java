package sparkcnn.jobs.sweep;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sparkcnn.driver.run.RunLayout;
import sparkcnn.driver.run.RunStart;
import sparkcnn.driver.train.DivergenceException;
import sparkcnn.driver.train.EpochResult;
import sparkcnn.driver.train.MetricsLog;
import sparkcnn.driver.train.RunStoppedException;
import sparkcnn.driver.train.StopRequest;
import sparkcnn.driver.train.TrainingRun;
import sparkcnn.jobs.sweep.SweepJob.Planned;
import sparkcnn.jobs.sweep.TrialOutcome.Status;
import sparkcnn.jobs.sweep.TrialScheduler.Job;
import sparkcnn.jobs.train.TrainJob;

/**
 * Runs a sweep's jobs, one trial's at a time on the calling thread (the sweep runs several at once,
 * each in its own FAIR pool), and records how each ended: paused at its rung, finished, diverged,
 * failed (tried again when the sweep starts again), or stopped by the sweep's stop (checkpointed).
 */
final class TrialRunner {
    private static final Logger log = LoggerFactory.getLogger(TrialRunner.class);
    private final JavaSparkContext sc;
    private final SweepLayout sweepDir;
    private final SweepStop stop;
    private final Objective objective;
    private final PrintStream out;

    TrialRunner(JavaSparkContext sc, SweepLayout sweepDir, SweepStop stop, Objective objective, PrintStream out) {
        this.sc = sc;
        this.sweepDir = sweepDir;
        this.stop = stop;
        this.objective = objective;
        this.out = out;
    }

    /** Trains one job of a trial (from its checkpoint, if it has one) and records how it ended. */
    TrialOutcome run(Planned p, Job job, TrialOutcome before) {
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
        sweepDir.record(outcome);
        trialOut.printf("%s after %d epochs: best %s %s%n", outcome.describe(), outcome.epochs(),
                objective.metric().text(), Leaderboard.number(outcome.best(objective)));
        return outcome;
    }

    /** A trial the sweep's stop stopped: paused where it stands, not failed. */
    private TrialOutcome stopped(Trial trial, TrialOutcome before, RunLayout run, double seconds, PrintStream trialOut) {
        var outcome = TrialOutcome.of(trial, Status.PAUSED, "stopped by " + stop.reason(), before.rung(), recorded(run),
                before.seconds() + seconds, run.root());
        sweepDir.record(outcome);
        trialOut.printf("stopped by %s after %d epochs, its last averaged state saved%n", stop.reason(), outcome.epochs());
        return outcome;
    }

    /** The epochs a run evaluated, as its metrics.jsonl holds them. */
    private static List<EpochResult> recorded(RunLayout run) {
        return run.has(RunLayout.METRICS) ? MetricsLog.read(run).epochs() : List.of();
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
