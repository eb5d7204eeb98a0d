package sparkcnn.driver.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sparkcnn.driver.data.ChannelStats;
import sparkcnn.driver.data.DataException;
import sparkcnn.driver.data.EpochData;
import sparkcnn.driver.eval.DistributedEvaluation;
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

        default void started(long trainExamples, long testExamples, int roundsPerEpoch) {
        }

        void afterRound(RoundReport round);

        void afterEpoch(EpochResult epoch, List<EpochResult> all);
    }

    /** The epochs evaluated (including those of earlier starts), the final state, why it stopped early. */
    public record Result(List<EpochResult> epochs, ModelState model, String runDir, Optional<String> stoppedEarly) {
    }

    private final JavaSparkContext sc;
    private final RunLayout run;
    private final RunSettings settings;
    private final Listener listener;

    public TrainingRun(JavaSparkContext sc, RunLayout run, RunSettings settings, Listener listener) {
        this.sc = sc;
        this.run = run;
        this.settings = settings;
        this.listener = listener;
    }

    /**
     * Trains on {@code train}, evaluating on {@code test}. {@code fresh} makes the network when
     * there is no checkpoint; {@code changedOnResume} (config key: [before, after]) is recorded
     * with a resume.
     */
    public Result run(EpochData train, EpochData test, Supplier<ModelState> fresh,
                      Map<String, List<String>> changedOnResume) {
        Optional<Checkpoint> start = run.latestCheckpoint();
        MetricsLog metrics = run.metrics(start);
        start.ifPresent(c -> {
            metrics.resumed(c, changedOnResume);
            listener.resumed(c, run.uri(RunLayout.CHECKPOINTS + "/" + c.fileName()));
        });
        ModelState state = start.map(Checkpoint::state).orElseGet(fresh);
        var checkpoints = new Checkpoints(metrics, start.map(c -> run.uri(RunLayout.CHECKPOINTS + "/" + c.fileName())));
        List<EpochResult> results = new ArrayList<>(metrics.epochs());
        var stopper = new EarlyStopping(settings.targetAccuracy(), settings.patience());
        results.forEach(r -> stopper.record(r.test().accuracy()));

        var badImages = new BadImages();
        try (EpochData.Epoch testSet = test.open(0)) {
            requireExamples(testSet, "test");
            badImages.add("test", testSet.rejected());
            Preprocessing preprocessing = null;
            int firstEpoch = start.map(c -> c.epochComplete() ? c.epoch() + 1 : c.epoch()).orElse(1);
            int firstRound = start.filter(c -> !c.epochComplete()).map(Checkpoint::roundsDone).orElse(0);
            // killed after an epoch's checkpoint, before its evaluation: evaluate it now
            Optional<Checkpoint> unevaluated = start.filter(c -> c.epochComplete()
                    && results.stream().noneMatch(r -> r.epoch() == c.epoch()));
            for (int epoch = firstEpoch; epoch <= settings.epochs() && !stopper.shouldStop(); epoch++) {
                long t0 = System.nanoTime();
                try (EpochData.Epoch trainSet = train.open(epoch)) {
                    badImages.add("train", trainSet.rejected());
                    requireExamples(trainSet, "training");
                    requireLabelsWithinClasses(trainSet, testSet);
                    if (preprocessing == null) {
                        preprocessing = preprocessing(trainSet, train.shape());
                    }
                    var averaging = settings.averaging(preprocessing);
                    Engine engine = settings.engine(sc, averaging);
                    int fullPass = averaging.roundsPerEpoch(trainSet.largestShard());
                    int rounds = engine.roundsPerEpoch(fullPass, settings);
                    if (epoch == firstEpoch) {
                        listener.started(trainSet.examples(), testSet.examples(), rounds);
                    }
                    if (unevaluated.isPresent()) {
                        finishCheckpointedEpoch(unevaluated.get(), testSet, preprocessing, metrics, results, stopper,
                                badImages);
                        unevaluated = Optional.empty();
                        if (stopper.shouldStop()) {
                            break;
                        }
                    }
                    int rejectedBefore = badImages.count("train");
                    try {
                        state = engine.fitRounds(state, trainSet.shards(),
                                rounds, epoch, epoch == firstEpoch ? firstRound : 0,
                                settings.schedule(), (round, after) -> {
                                    badImages.add("train", round.rejected());
                                    metrics.round(round);
                                    listener.afterRound(round);
                                    checkpoints.afterRound(round, after);
                                });
                    } catch (DivergenceException diverged) {
                        metrics.flush();
                        throw new DivergenceException(diverged.getMessage() + "; " + checkpoints.describeLastGood());
                    }
                    byte[] modelZip = checkpoints.epochEnd(state, epoch, rounds);
                    // a streamed epoch learns of rejected files as it reads them
                    long examples = rounds < fullPass
                            ? metrics.examplesSeen(epoch) // steps-per-epoch or DL4J's one round: as the rounds counted
                            : trainSet.examples() - (trainSet.streamed() ? badImages.count("train") - rejectedBefore : 0);
                    // the epoch's loss and time are those of all its rounds, those before a resume included
                    boolean resumedMidEpoch = epoch == firstEpoch && firstRound > 0;
                    double trainSeconds = resumedMidEpoch ? metrics.roundSeconds(epoch) : (System.nanoTime() - t0) / 1e9;
                    finishEpoch(epoch, state, modelZip, metrics.roundLosses(epoch).getAverage(), trainSeconds,
                            examples, testSet, preprocessing, metrics, results, stopper, badImages);
                }
            }
            if (unevaluated.isPresent()) { // every epoch was trained: only the last evaluation was missing
                Checkpoint c = unevaluated.get();
                try (EpochData.Epoch trainSet = train.open(c.epoch())) {
                    finishCheckpointedEpoch(c, testSet, preprocessing(trainSet, train.shape()), metrics, results,
                            stopper, badImages);
                }
            }
        }
        return new Result(results, state, run.root(), Optional.ofNullable(stopper.reason()));
    }

    /** An epoch trained and checkpointed by an earlier start, which was killed before evaluating it. */
    private void finishCheckpointedEpoch(Checkpoint c, EpochData.Epoch testSet, Preprocessing preprocessing,
                                         MetricsLog metrics, List<EpochResult> results, EarlyStopping stopper,
                                         BadImages badImages) {
        finishEpoch(c.epoch(), c.state(), c.modelZip(), metrics.roundLosses(c.epoch()).getAverage(),
                metrics.roundSeconds(c.epoch()), metrics.examplesSeen(c.epoch()), testSet, preprocessing, metrics,
                results, stopper, badImages);
    }

    /** Evaluates the trained epoch, records it, saves model.zip and tells the listener. */
    private void finishEpoch(int epoch, ModelState state, byte[] modelZip, double trainLoss, double trainSeconds,
                             long examples, EpochData.Epoch testSet, Preprocessing preprocessing, MetricsLog metrics,
                             List<EpochResult> results, EarlyStopping stopper, BadImages badImages) {
        long t0 = System.nanoTime();
        sc.setJobDescription(run.name() + ": epoch " + epoch + " evaluation");
        DistributedEvaluation.Scored scored = DistributedEvaluation.score(sc, state, testSet.shards(),
                settings.evalBatchSize(), settings.classes(), settings.workerThreads(), preprocessing.forEvaluation());
        badImages.add("test", scored.rejected());
        EvalCounts test = scored.counts();
        if (test.count() == 0) {
            throw DataException.noExamples("test", scored.rejected());
        }
        double seconds = trainSeconds + (System.nanoTime() - t0) / 1e9;
        // counted by the workers and summed with the parameters: a task that Spark ran again after
        // losing an executor must not change it
        long seen = metrics.examplesSeen(epoch);
        if (seen != examples) {
            log.error("epoch {}: the workers fitted {} examples, the training set has {}", epoch, seen, examples);
        }
        var result = new EpochResult(epoch, trainLoss, test, seconds, trainSeconds, examples, seen);
        results.add(result);
        stopper.record(test.accuracy());
        run.saveModel(modelZip);
        metrics.epoch(result);
        listener.afterEpoch(result, List.copyOf(results));
    }

    /**
     * Scaling only, or per-channel normalisation with the training set's statistics (computed once
     * per run); cropping the network's input out of larger stored examples.
     */
    private Preprocessing preprocessing(EpochData.Epoch train, Volume stored) {
        var scaleOnly = Preprocessing.scaleOnly(settings.channels());
        var base = new Preprocessing(settings.augmentation(), scaleOnly.mean(), scaleOnly.std());
        if (settings.normalize()) {
            base = run.normalization(base).orElseGet(() -> {
                ChannelStats.Stats stats = ChannelStats.of(train.shards(), settings.channels());
                run.writeNormalization(stats.mean(), stats.std());
                log.info("normalisation: mean {} std {}", stats.mean(), stats.std());
                return new Preprocessing(settings.augmentation(), stats.mean(), stats.std());
            });
        }
        return base.withCrop(stored, settings.input());
    }

    /** The files that did not decode, named in the log and in bad-images.txt of the run as they are found. */
    private final class BadImages {
        private final Map<String, Set<String>> bySet = new LinkedHashMap<>();

        void add(String set, List<String> rejected) {
            var names = bySet.computeIfAbsent(set, k -> new LinkedHashSet<>());
            int before = names.size();
            names.addAll(rejected); // a retried task or another epoch names a file again
            if (names.size() > before) {
                List<String> lines = new ArrayList<>();
                bySet.forEach((s, all) -> all.forEach(r -> lines.add(s + ": " + r)));
                log.warn("skipping {} images that do not decode (listed in {}), e.g. {}", lines.size(),
                        run.uri(RunLayout.BAD_IMAGES), lines.get(0));
                run.writeText(RunLayout.BAD_IMAGES, String.join("\n", lines) + "\n");
            }
        }

        int count(String set) {
            return bySet.getOrDefault(set, Set.of()).size();
        }
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

    /** Writes checkpoints every N rounds and at each epoch end, and remembers the last one written. */
    private final class Checkpoints {
        private final MetricsLog metrics;
        private String lastGood;

        Checkpoints(MetricsLog metrics, Optional<String> lastGood) {
            this.metrics = metrics;
            this.lastGood = lastGood.orElse(null);
        }

        void afterRound(RoundReport round, ModelState state) {
            int every = settings.checkpointEveryRounds();
            if (every > 0 && round.round() % every == 0 && round.round() < round.rounds()) {
                save(new Checkpoint(state, round.epoch(), round.round(), false, settings.seed()));
            }
        }

        /** The epoch's checkpoint; returns the network's DL4J zip, which is also the run's model.zip. */
        byte[] epochEnd(ModelState state, int epoch, int rounds) {
            return save(new Checkpoint(state, epoch, rounds, true, settings.seed()));
        }

        /**
         * The metrics first, then the checkpoint: a run killed in between resumes from the previous
         * checkpoint and drops the extra records, while the other order would lose the records of
         * rounds the checkpoint holds (and miscount the epoch's examples).
         */
        private byte[] save(Checkpoint checkpoint) {
            metrics.flush();
            byte[] modelZip = checkpoint.modelZip();
            lastGood = run.saveCheckpoint(checkpoint, modelZip);
            return modelZip;
        }

        String describeLastGood() {
            return lastGood == null ? "no checkpoint was written yet" : "the last good checkpoint is " + lastGood;
        }
    }
}
