package sparkcnn.jobs.train;

import sparkcnn.jobs.report.RunReport;
import sparkcnn.jobs.report.ProgressPrinter;
import sparkcnn.jobs.report.PeakMemory;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import sparkcnn.driver.run.Checkpoint;
import sparkcnn.driver.train.EpochResult;
import sparkcnn.driver.train.RoundReport;
import sparkcnn.driver.run.RunLayout;
import sparkcnn.driver.train.TrainingRun;

/**
 * What a user sees of a run: a progress line per round, a line per epoch, and curves.png and
 * report.html redrawn after every epoch.
 */
public final class RunConsole implements TrainingRun.Listener {
    private final PrintStream out;
    private final TrainSpec spec;
    private final RunLayout run;
    private final ProgressPrinter progress;
    private final RunReport report;
    private final List<String> classes;
    private final int lastEpoch;

    /** @param lastEpoch where this start ends: train.epochs, or the epoch a sweep's trial pauses after */
    public RunConsole(PrintStream out, boolean terminal, TrainSpec spec, RunLayout run, String renderedConfig,
                      List<String> classes, int lastEpoch) {
        this.out = out;
        this.spec = spec;
        this.run = run;
        this.lastEpoch = lastEpoch;
        this.progress = new ProgressPrinter(out, terminal, spec.epochs(), lastEpoch, 10);
        this.report = new RunReport(run, renderedConfig, spec.model().architecture());
        this.classes = classes;
    }

    @Override
    public void resumed(Checkpoint from, String location) {
        out.printf(Locale.ROOT, "resuming from %s (epoch %d, %d rounds done%s)%n", location, from.epoch(),
                from.roundsDone(), from.epochComplete() ? ", epoch complete" : "");
    }

    @Override
    public void passedOver(List<String> damaged) {
        damaged.forEach(d -> out.println("damaged checkpoint passed over: " + d));
    }

    @Override
    public void started(long trainExamples, long testExamples, int roundsPerEpoch) {
        out.printf(Locale.ROOT, "training %d epochs%s on %,d examples (%,d test): %d workers x batch %d, averaging "
                        + "every %d minibatches, %d rounds per epoch%noptimizer: %s%n",
                spec.epochs(), lastEpoch < spec.epochs() ? ", pausing after epoch " + lastEpoch : "", trainExamples,
                testExamples, spec.workers(), spec.batchSizePerWorker(), spec.averagingFrequency(), roundsPerEpoch,
                spec.optimizer().describe());
    }

    @Override
    public void afterRound(RoundReport round) {
        progress.accept(round);
    }

    @Override
    public void afterEpoch(EpochResult e, List<EpochResult> all) {
        out.printf(Locale.ROOT, "epoch %d/%d: test accuracy %.4f  test loss %.4f  train loss %.4f  %.1f s (%s img/s)%n",
                e.epoch(), spec.epochs(), e.test().accuracy(), e.test().meanLoss(), e.trainLoss(), e.seconds(),
                ProgressPrinter.rate(e.trainImagesPerSecond()));
        report.write(all, classes);
    }

    /** The run's last words: why it stopped, where its model is. */
    public void finished(TrainingRun.Result result) {
        result.stoppedEarly().ifPresent(reason -> out.println("stopped early: " + reason));
        if (run.has(RunLayout.MODEL)) {
            out.printf("model saved to %s; report: %s%n", run.uri(RunLayout.MODEL), run.uri(RunLayout.REPORT));
        } else {
            out.printf("no epoch was completed: no model saved in %s%n", run.root());
        }
        out.println(PeakMemory.describe());
    }
}
