package sparkcnn.driver.train;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sparkcnn.driver.data.ChannelStats;
import sparkcnn.driver.data.DataException;
import sparkcnn.driver.data.EpochData;
import sparkcnn.driver.eval.DistributedEvaluation;
import sparkcnn.driver.run.Checkpoint;
import sparkcnn.driver.run.Normalization;
import sparkcnn.driver.run.RunLayout;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.data.Preprocessing;
import sparkcnn.kernels.eval.EvalCounts;
import sparkcnn.kernels.train.ModelState;

/**
 * One training run's life in its run directory: it starts from the latest checkpoint where there
 * is one, else from a fresh network; fits epochs of synchronous averaging rounds; checkpoints every
 * N rounds and at each epoch's end; evaluates every epoch on the test set and saves model.zip;
 * stops on divergence (keeping the last good checkpoint) or early; and tells a {@link Listener}
 * what happens, for progress lines and reports.
 *
 * <p>A run killed at any point continues exactly: the checkpoint holds the state and counters, the
 * data order follows from (seed, epoch, round), and an epoch that was checkpointed but not yet
 * evaluated is evaluated first.
 */
public final class TrainingRun {
    private static final Logger log = LoggerFactory.getLogger(TrainingRun.class);

    /** What a run reports as it goes. */
    public interface Listener {
        default void resumed(Checkpoint from, String location) {
        }

        /** Newer checkpoints that were damaged ("file: reason"), passed over for the one resumed from. */
        default void passedOver(List<String> damaged) {
        }

        default void started(long trainExamples, long testExamples, int roundsPerEpoch) {
        }

        void afterRound(RoundReport round);

        void afterEpoch(EpochResult epoch, List<EpochResult> all);
    }

    /** The epochs evaluated (including those of earlier starts), the final state, why it stopped early. */
    public record Result(List<EpochResult> epochs, ModelState model, String runDir, Optional<String> stoppedEarly) {
    }

    /** An epoch's training as its evaluation needs it: the state, its zip, loss, time and examples. */
    private record Trained(int epoch, ModelState state, byte[] modelZip, double trainLoss, double trainSeconds,
                           long examples) {
    }

    private final JavaSparkContext sc;
    private final RunLayout run;
    private final RunSettings settings;
    private final Listener listener;
    private final StopRequest stop;

    public TrainingRun(JavaSparkContext sc, RunLayout run, RunSettings settings, Listener listener) {
        this(sc, run, settings, listener, new StopRequest());
    }

    /** A run that {@code stop} can end early, its last averaged state saved. */
    public TrainingRun(JavaSparkContext sc, RunLayout run, RunSettings settings, Listener listener, StopRequest stop) {
        this.sc = sc;
        this.run = run;
        this.settings = settings;
        this.listener = listener;
        this.stop = stop;
    }

    /**
     * Trains on {@code train}, evaluating on {@code test}. {@code fresh} makes the network when
     * there is no checkpoint; {@code changedOnResume} (config key: [before, after]) is recorded
     * with a resume.
     */
    public Result run(EpochData train, EpochData test, Supplier<ModelState> fresh,
                      Map<String, List<String>> changedOnResume) {
        return run(train, test, fresh, changedOnResume, settings.epochs());
    }

    /**
     * As above, but pauses after epoch {@code pauseAfter} (trained, checkpointed and evaluated), so
     * that a later start continues where it paused, on the schedule of all {@code train.epochs}
     * (a sweep's trial waiting at a rung of successive halving).
     */
    public Result run(EpochData train, EpochData test, Supplier<ModelState> fresh,
                      Map<String, List<String>> changedOnResume, int pauseAfter) {
        int lastEpoch = Math.min(settings.epochs(), pauseAfter);
        var from = ResumePoint.of(run.checkpoints().resumable());
        ModelState state = from.state(fresh);
        try (EpochData.Epoch testSet = test.open(0)) {
            requireExamples(testSet, "test");
            RunState s = RunState.start(run, from, settings, testSet, changedOnResume, listener);
            s.badImages.add("test", testSet.rejected());
            try {
                state = trainEpochs(train, state, lastEpoch, s);
                if (s.unevaluated.isPresent()) { // every epoch was trained: only the last evaluation was missing
                    yieldSlotsIfOpeningRunsAJob(train, s);
                    try (EpochData.Epoch trainSet = train.open(s.unevaluated.get().epoch())) {
                        s.preprocessing = preprocessing(trainSet, train.shape());
                        finishCheckpointedEpoch(s);
                    }
                }
            } finally {
                s.closeEngine();
            }
            return new Result(s.results, state, run.root(), Optional.ofNullable(s.stopper.reason()));
        }
    }

    /** Epochs from the resume point to {@code lastEpoch}, or until the run stops; the state after. */
    private ModelState trainEpochs(EpochData train, ModelState state, int lastEpoch, RunState s) {
        try {
            for (int epoch = s.from.firstEpoch(); epoch <= lastEpoch && !s.stopped(); epoch++) {
                state = trainEpoch(train, epoch, state, s);
            }
            return state;
        } catch (Exception e) { // Spark's own (a cancelled job) are checked and undeclared
            if (stop.requested()) {
                throw stopped(s, e);
            }
            throw e;
        }
    }

    /**
     * Data decoded afresh each epoch is opened by a Spark job of its own, which needs task slots that an
     * engine holding its workers between epochs (the ring) must give up first.
     */
    private static void yieldSlotsIfOpeningRunsAJob(EpochData train, RunState s) {
        if (s.engine != null && !train.opensWithoutAJob()) {
            s.engine.yieldSlots();
        }
    }

    /** Opens the epoch's training set, fits its rounds, checkpoints and evaluates it; returns the state after. */
    private ModelState trainEpoch(EpochData train, int epoch, ModelState state, RunState s) {
        long t0 = System.nanoTime();
        yieldSlotsIfOpeningRunsAJob(train, s);
        try (EpochData.Epoch trainSet = train.open(epoch)) {
            s.badImages.add("train", trainSet.rejected());
            requireExamples(trainSet, "training");
            requireLabelsWithinClasses(trainSet, s.testSet);
            if (s.preprocessing == null) {
                s.preprocessing = preprocessing(trainSet, train.shape());
            }
            var averaging = settings.averaging(s.preprocessing);
            if (s.engine == null) {
                s.engine = settings.engine(sc, averaging, stop, s.testSet.shards(), scoring(s));
            }
            int fullPass = averaging.roundsPerEpoch(trainSet.largestShard());
            int rounds = s.engine.roundsPerEpoch(fullPass, settings);
            if (epoch == s.from.firstEpoch()) {
                listener.started(trainSet.examples(), s.testSet.examples(), rounds);
            }
            if (s.unevaluated.isPresent() && finishCheckpointedEpoch(s)) {
                return state;
            }
            int rejectedBefore = s.badImages.count("train");
            ModelState after = fitRounds(s.engine, state, trainSet, rounds, epoch, s);
            byte[] modelZip = s.checkpoints.epochEnd(after, epoch, rounds);
            // a streamed epoch learns of rejected files as it reads them
            long examples = rounds < fullPass
                    ? s.metrics.examplesSeen(epoch) // steps-per-epoch or DL4J's one round: as the rounds counted
                    : trainSet.examples() - (trainSet.streamed() ? s.badImages.count("train") - rejectedBefore : 0);
            // the epoch's loss and time are those of all its rounds, those before a resume included
            double trainSeconds = s.from.resumesMidEpoch(epoch) ? s.metrics.roundSeconds(epoch)
                    : (System.nanoTime() - t0) / 1e9;
            finishEpoch(new Trained(epoch, after, modelZip, s.metrics.roundLosses(epoch).getAverage(), trainSeconds,
                    examples), s);
            return after;
        }
    }

    private ModelState fitRounds(Engine engine, ModelState state, EpochData.Epoch trainSet, int rounds, int epoch,
                                 RunState s) {
        try {
            return engine.fitEpoch(state, trainSet, rounds, epoch, s.from.firstRound(epoch),
                    settings.schedule(), (round, after) -> {
                        s.afterRound(round, after, listener);
                        // the next round is not started; the ring hands its state over with the round it stops after
                        if (stop.requested() && after != null) {
                            throw new IllegalStateException("stop requested");
                        }
                    });
        } catch (DivergenceException diverged) {
            s.metrics.flush();
            throw new DivergenceException(diverged.getMessage() + "; " + s.checkpoints.describeLastGood());
        }
    }

    /**
     * The run stopped on request: the last averaged state the driver holds saved as a checkpoint
     * (unless one holds it), so that a resume fits again at most the round that was in flight.
     */
    private RunStoppedException stopped(RunState s, Exception cause) {
        String where = s.lastRound == null ? "before its first round"
                : String.format("in epoch %d after round %d of %d", s.lastRound.epoch(), s.lastRound.round(),
                        s.lastRound.rounds());
        if (s.lastStateRound != null) { // all-reduce: the last state the driver received, rounds after it run again
            s.checkpoints.saveIfNewer(s.lastStateRound, s.lastState);
        }
        log.warn("stopped by {} {}", stop.reason().orElseThrow(), where); // asked for: no stack trace on the console
        log.debug("what the stop interrupted", cause);
        return new RunStoppedException(String.format("stopped by %s %s; %s", stop.reason().orElseThrow(), where,
                run.howToContinue()), stop.exitStatus(), cause);
    }

    /**
     * Evaluates the epoch an earlier start trained and checkpointed but was killed before
     * evaluating; returns whether the run should stop early after it.
     */
    private boolean finishCheckpointedEpoch(RunState s) {
        Checkpoint c = s.unevaluated.orElseThrow();
        s.unevaluated = Optional.empty();
        finishEpoch(new Trained(c.epoch(), c.state(), c.modelZip(), s.metrics.roundLosses(c.epoch()).getAverage(),
                s.metrics.roundSeconds(c.epoch()), s.metrics.examplesSeen(c.epoch())), s);
        return s.stopped();
    }

    /** Evaluates the trained epoch, records it, saves model.zip and tells the listener. */
    private void finishEpoch(Trained t, RunState s) {
        long t0 = System.nanoTime();
        sc.setJobDescription(run.name() + ": epoch " + t.epoch() + " evaluation");
        DistributedEvaluation.Scored scored = s.engine != null
                ? s.engine.score(sc, t.state(), s.testSet.shards(), scoring(s))
                : DistributedEvaluation.score(sc, t.state(), s.testSet.shards(), scoring(s));
        s.badImages.add("test", scored.rejected());
        EvalCounts test = scored.counts();
        if (test.count() == 0) {
            throw DataException.noExamples("test", scored.rejected());
        }
        double seconds = t.trainSeconds() + (System.nanoTime() - t0) / 1e9;
        // counted by the workers and summed with the parameters: a task that Spark ran again after
        // losing an executor must not change it
        long seen = s.metrics.examplesSeen(t.epoch());
        if (seen != t.examples()) {
            log.error("epoch {}: the workers fitted {} examples, the training set has {}", t.epoch(), seen, t.examples());
        }
        var result = new EpochResult(t.epoch(), t.trainLoss(), test, seconds, t.trainSeconds(), t.examples(), seen);
        s.recordEpoch(result);
        run.saveModel(t.modelZip());
        s.metrics.epoch(result);
        listener.afterEpoch(result, List.copyOf(s.results));
    }

    /** How the test set is scored. */
    private DistributedEvaluation.Scoring scoring(RunState s) {
        return new DistributedEvaluation.Scoring(settings.evalBatchSize(), settings.classes(), settings.workerThreads(),
                s.preprocessing.forEvaluation());
    }

    /**
     * Scaling only, or per-channel normalisation with the training set's statistics (computed once
     * per run); cropping the network's input out of larger stored examples.
     */
    private Preprocessing preprocessing(EpochData.Epoch train, Volume stored) {
        var scaleOnly = Preprocessing.scaleOnly(settings.channels());
        var base = new Preprocessing(settings.augmentation(), scaleOnly.mean(), scaleOnly.std());
        if (settings.normalize()) {
            Normalization normalization = run.normalization().orElseGet(() -> {
                ChannelStats.Stats stats = ChannelStats.of(train.shards(), settings.channels());
                var computed = new Normalization(stats.mean(), stats.std());
                run.writeNormalization(computed);
                log.info("normalisation: mean {} std {}", stats.mean(), stats.std());
                return computed;
            });
            base = normalization.preprocessing(settings.augmentation());
        }
        return base.withCrop(stored, settings.input());
    }

    private static void requireExamples(EpochData.Epoch epoch, String set) {
        if (epoch.examples() == 0) {
            throw DataException.noExamples(set, epoch.rejected());
        }
    }

    /** A label the network has no output unit for would train nonsense (or fail deep inside ND4J). */
    private void requireLabelsWithinClasses(EpochData.Epoch train, EpochData.Epoch test) {
        for (var set : List.of(train, test)) {
            if (set.maxLabel() >= settings.classes()) { // -1 for a streamed set: its reader checks each label
                throw new DataException(String.format("the %s set has label %d, but model.classes = %d (labels must "
                        + "be 0..%d)", set == train ? "training" : "test", set.maxLabel(), settings.classes(),
                        settings.classes() - 1));
            }
        }
    }
}
