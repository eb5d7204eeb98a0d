package sparkcnn.driver.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import sparkcnn.driver.data.EpochData;
import sparkcnn.driver.run.Checkpoint;
import sparkcnn.driver.run.RunLayout;
import sparkcnn.kernels.data.Preprocessing;
import sparkcnn.kernels.train.ModelState;

/**
 * What one run of {@link TrainingRun} keeps from epoch to epoch: where it started, its metrics and
 * evaluated epochs (those of earlier starts included), early stopping, the files that did not
 * decode, its checkpoints, the test set and the input preparation (computed once per run).
 */
final class RunState {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RunState.class);
    final ResumePoint from;
    final MetricsLog metrics;
    final List<EpochResult> results;
    final EarlyStopping stopper;
    final BadImages badImages;
    final RunCheckpoints checkpoints;
    final EpochData.Epoch testSet;
    Preprocessing preprocessing;
    /** The run's engine, made when the input preparation is known (the first epoch trained); closed at the run's end. */
    Engine engine;
    /** The last round reported (null before the first). */
    RoundReport lastRound;
    /** The last averaged state the driver holds, and the round it ends (null before the first it received). */
    RoundReport lastStateRound;
    ModelState lastState;
    /** An epoch checkpointed but not evaluated by an earlier start, until it is. */
    Optional<Checkpoint> unevaluated;

    private RunState(ResumePoint from, MetricsLog metrics, RunSettings settings, RunLayout run,
                     EpochData.Epoch testSet) {
        this.from = from;
        this.metrics = metrics;
        this.results = new ArrayList<>(metrics.epochs());
        this.stopper = new EarlyStopping(settings.targetAccuracy(), settings.patience());
        results.forEach(r -> stopper.record(r.test().accuracy()));
        this.badImages = new BadImages(run);
        this.checkpoints = new RunCheckpoints(run.checkpoints(), metrics, settings, from.checkpoint());
        this.testSet = testSet;
        this.unevaluated = from.unevaluated(results);
    }

    /** The state of a run starting {@code from} its latest checkpoint (or afresh), its resume recorded. */
    static RunState start(RunLayout run, ResumePoint from, RunSettings settings, EpochData.Epoch testSet,
                          Map<String, List<String>> changedOnResume, TrainingRun.Listener listener) {
        MetricsLog metrics = MetricsLog.open(run, from.checkpoint());
        if (!from.damaged().isEmpty()) {
            log.warn("damaged checkpoints passed over: {}", from.damaged());
            listener.passedOver(from.damaged());
        }
        from.checkpoint().ifPresent(c -> {
            metrics.resumed(c, changedOnResume);
            listener.resumed(c, run.checkpoints().uri(c));
        });
        return new RunState(from, metrics, settings, run, testSet);
    }

    /** Lets go of the engine's workers (the ring), if the run made an engine. */
    void closeEngine() {
        if (engine != null) {
            engine.close();
            engine = null;
        }
    }

    boolean stopped() {
        return stopper.shouldStop();
    }

    /** After each round: its record, the progress line, a checkpoint every N rounds. */
    void afterRound(RoundReport round, ModelState after, TrainingRun.Listener listener) {
        badImages.add("train", round.rejected());
        metrics.round(round);
        listener.afterRound(round);
        checkpoints.afterRound(round, after);
        lastRound = round;
        if (after != null) {
            lastStateRound = round;
            lastState = after;
        }
    }

    void recordEpoch(EpochResult result) {
        results.add(result);
        stopper.record(result.test().accuracy());
    }
}
