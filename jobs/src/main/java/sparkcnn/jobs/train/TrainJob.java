package sparkcnn.jobs.train;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.DoubleSummaryStatistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sparkcnn.driver.SparkContexts;
import sparkcnn.driver.data.ChannelStats;
import sparkcnn.driver.data.EpochData;
import sparkcnn.driver.eval.DistributedEvaluation;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.driver.io.RunStore;
import sparkcnn.driver.train.AveragingSettings;
import sparkcnn.driver.train.AveragingTrainer;
import sparkcnn.driver.train.Checkpoint;
import sparkcnn.driver.train.DivergenceException;
import sparkcnn.driver.train.RoundReport;
import sparkcnn.jobs.report.MetricsLog;
import sparkcnn.jobs.report.ProgressPrinter;
import sparkcnn.jobs.report.RunReport;
import sparkcnn.kernels.arch.ModelSpec;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.data.Preprocessing;
import sparkcnn.kernels.eval.EvalCounts;
import sparkcnn.kernels.net.GraphBuilder;
import sparkcnn.kernels.train.ModelState;
import sparkcnn.kernels.train.WorkerNets;

/**
 * {@code train}: checks the architecture, starts Spark, shards the data over the workers, trains by
 * parameter averaging with checkpoints, evaluates on the test set after every epoch, and writes the
 * run directory. With a checkpoint to resume from, it continues exactly where that one left off.
 */
public final class TrainJob {
    public static final String MODEL_FILE = "model.zip";
    public static final String CONFIG_FILE = "config.conf";
    public static final String CLASSES_FILE = "classes.txt";
    public static final String BAD_IMAGES_FILE = "bad-images.txt";
    public static final String NORMALIZATION_FILE = "normalization.json";
    private static final Logger log = LoggerFactory.getLogger(TrainJob.class);

    /** One epoch's outcome, as written to metrics.jsonl. */
    public record EpochResult(int epoch, double trainLoss, EvalCounts test, double seconds, long examples,
                              long examplesSeen) {
    }

    public record Result(List<EpochResult> epochs, ModelState model, String runDir) {
    }

    private final TrainSpec spec;
    private final String renderedConfig;
    private final PrintStream out;
    private final boolean terminal;

    public TrainJob(TrainSpec spec, String renderedConfig, PrintStream out, boolean terminal) {
        this.spec = spec;
        this.renderedConfig = renderedConfig;
        this.out = out;
        this.terminal = terminal;
    }

    /** Trains from scratch, or from the run directory's latest checkpoint when {@code resume} is set. */
    public Result run(boolean masterExplicit, boolean resume) {
        // The whole geometry is checked here, before Spark starts.
        ComputationGraphConfiguration architecture =
                GraphBuilder.build(spec.model().architecture(), spec.optimizer(), spec.seed());
        try (JavaSparkContext sc = SparkContexts.start(spec.master(), spec.appName(), masterExplicit, false,
                spec.backend())) {
            return train(sc, architecture, resume);
        }
    }

    /** Trains on a context the caller owns (a sweep runs several trials on one). */
    public Result runOn(JavaSparkContext sc, boolean resume) {
        return train(sc, GraphBuilder.build(spec.model().architecture(), spec.optimizer(), spec.seed()), resume);
    }

    Result train(JavaSparkContext sc, ComputationGraphConfiguration architecture, boolean resume) {
        int threads = spec.resolveWorkerThreads(SparkContexts.taskCpus(sc));
        NativeBackend.init(threads); // logs the backend, oneDNN helpers and threads per worker
        log.info("spark: master {}, {} workers, {} task slots", sc.master(), spec.workers(), sc.defaultParallelism());
        for (String executor : SparkContexts.verifyBackend(sc, spec.backend(), spec.workers())) {
            log.info("backend = {}: {}", spec.backend().name().toLowerCase(java.util.Locale.ROOT), executor);
        }
        if (sc.defaultParallelism() < spec.workers()) {
            log.warn("{} workers but only {} task slots: workers will run in waves", spec.workers(), sc.defaultParallelism());
        }

        HadoopConf hadoop = new HadoopConf(sc.hadoopConfiguration());
        ModelSpec model = spec.model();
        DataSpec.Opened data = spec.data().open(sc, hadoop, spec.workers(), model.input(), model.classes(), spec.seed());
        RunStore store = new RunStore(spec.runDir(), sc.hadoopConfiguration());
        // the Spark UI groups this run's jobs; every description names the run, epoch and round
        sc.setJobGroup(store.name(), "sparkcnn run " + store.root(), false);
        Checkpoint start = resume ? Checkpoint.latest(store).orElseThrow(() -> new IllegalArgumentException(
                "nothing to resume: no " + Checkpoint.LATEST + " in " + store.root())) : null;
        MetricsLog metrics = resume ? MetricsLog.resume(store, start.epoch(), start.roundsDone(), start.epochComplete()) : new MetricsLog(store);
        if (!resume) {
            store.writeText(CONFIG_FILE, renderedConfig);
            store.writeText(CLASSES_FILE, String.join("\n", data.train().classes()) + "\n");
        }

        ModelState state;
        if (start != null) {
            state = start.state();
            out.printf("resuming from %s (epoch %d, %d rounds done)%n", store.uri(start.fileName()), start.epoch(),
                    start.roundsDone());
        } else {
            ComputationGraph graph = new ComputationGraph(architecture);
            graph.init();
            state = ModelState.of(graph);
        }
        log.info("model: {}, {} parameters; input {}", model.architecture().name(), state.params().length, model.input());

        var report = new RunReport(store, renderedConfig, model.architecture());
        List<EpochResult> results = new ArrayList<>(metrics.epochResults());
        int firstEpoch = start == null ? 1 : start.epochComplete() ? start.epoch() + 1 : start.epoch();
        int firstRound = start == null || start.epochComplete() ? 0 : start.roundsDone();
        var stopper = new EarlyStopping(spec.targetAccuracy(), spec.patience());
        results.forEach(r -> stopper.record(r.test().accuracy()));
        var checkpoints = new Checkpoints(store, spec.checkpointEveryRounds(), spec.seed(),
                start == null ? null : store.uri(start.fileName()));
        var progress = new ProgressPrinter(out, terminal, spec.epochs(), 10);

        try (EpochData.Epoch testSet = data.test().open(0)) {
            for (int epoch = firstEpoch; epoch <= spec.epochs() && !stopper.shouldStop(); epoch++) {
                long t0 = System.nanoTime();
                try (EpochData.Epoch trainSet = data.train().open(epoch)) {
                    reportRejected(store, trainSet, epoch);
                    Preprocessing preprocessing = preprocessing(store, trainSet, model.input().depth());
                    var settings = new AveragingSettings(spec.workers(), spec.batchSizePerWorker(),
                            spec.averagingFrequency(), threads, spec.seed(), model.classes(), preprocessing,
                            spec.averageUpdater(), spec.aggregationDepth());
                    int rounds = settings.roundsPerEpoch(trainSet.largestShard());
                    if (epoch == firstEpoch) {
                        out.printf("training %d epochs on %,d examples (%,d test): %d workers x batch %d, averaging "
                                        + "every %d minibatches, %d rounds per epoch, learning rate %s%n",
                                spec.epochs(), trainSet.examples(), testSet.examples(), spec.workers(),
                                spec.batchSizePerWorker(), spec.averagingFrequency(), rounds, spec.schedule().type());
                    }
                    var roundLosses = new DoubleSummaryStatistics();
                    try {
                        state = new AveragingTrainer(sc, settings).fitEpoch(state, trainSet.blocks(),
                                trainSet.largestShard(), epoch, epoch == firstEpoch ? firstRound : 0, spec.schedule(),
                                (round, after) -> {
                                    roundLosses.accept(round.loss());
                                    progress.accept(round);
                                    metrics.append(roundRecord(round));
                                    if (checkpoints.afterRound(round, after)) {
                                        metrics.flush(); // a resumed run keeps the rounds up to its checkpoint
                                    }
                                });
                    } catch (DivergenceException diverged) {
                        metrics.flush();
                        throw new DivergenceException(diverged.getMessage() + "; " + checkpoints.describeLastGood());
                    }
                    checkpoints.epochEnd(state, epoch, rounds);
                    metrics.flush();
                    double trainSeconds = (System.nanoTime() - t0) / 1e9;
                    sc.setJobDescription(store.name() + ": epoch " + epoch + " evaluation");
                    EvalCounts test = DistributedEvaluation.evaluate(sc, state, testSet.blocks(), spec.evalBatchSize(),
                            model.classes(), threads, preprocessing);
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    // counted by the workers and summed with the parameters: a task that Spark ran again
                    // after losing an executor must not change it
                    long seen = metrics.examplesSeen(epoch);
                    if (seen != trainSet.examples()) {
                        log.error("epoch {}: the workers fitted {} examples, the training set has {}", epoch, seen,
                                trainSet.examples());
                    }
                    var result = new EpochResult(epoch, roundLosses.getAverage(), test, seconds, trainSet.examples(),
                            seen);
                    results.add(result);
                    stopper.record(test.accuracy());
                    out.printf("epoch %d/%d: test accuracy %.4f  test loss %.4f  train loss %.4f  %.1f s (%.0f img/s)%n",
                            epoch, spec.epochs(), test.accuracy(), test.meanLoss(), result.trainLoss(), seconds,
                            trainSet.examples() / trainSeconds);
                    metrics.append(epochRecord(result, trainSeconds));
                    metrics.flush();
                    saveModel(store, state);
                    report.write(results, data.train().classes());
                }
            }
        }
        if (stopper.shouldStop()) {
            out.println("stopped early: " + stopper.reason());
        }
        out.printf("model saved to %s; report: %s%n", store.uri(MODEL_FILE), store.uri(RunReport.HTML));
        return new Result(results, state, store.root());
    }

    /** Writes checkpoints every N rounds and at each epoch end, and remembers the last one written. */
    private static final class Checkpoints {
        private final RunStore store;
        private final int everyRounds;
        private final long seed;
        private String lastGood;

        Checkpoints(RunStore store, int everyRounds, long seed, String lastGood) {
            this.store = store;
            this.everyRounds = everyRounds;
            this.seed = seed;
            this.lastGood = lastGood;
        }

        /** True when this round was checkpointed. */
        boolean afterRound(RoundReport round, ModelState state) {
            if (everyRounds > 0 && round.round() % everyRounds == 0 && round.round() < round.rounds()) {
                lastGood = new Checkpoint(state, round.epoch(), round.round(), false, seed).save(store);
                return true;
            }
            return false;
        }

        void epochEnd(ModelState state, int epoch, int rounds) {
            lastGood = new Checkpoint(state, epoch, rounds, true, seed).save(store);
        }

        String describeLastGood() {
            return lastGood == null ? "no checkpoint was written yet" : "the last good checkpoint is " + lastGood;
        }
    }

    /** Names the files the first epoch could not decode, in the log and in bad-images.txt of the run. */
    private static void reportRejected(RunStore store, EpochData.Epoch epoch, int number) {
        if (!epoch.rejected().isEmpty() && !store.exists(BAD_IMAGES_FILE)) {
            log.warn("skipping {} images that do not decode (listed in {}), e.g. {}",
                    epoch.rejected().size(), BAD_IMAGES_FILE, epoch.rejected().get(0));
            store.writeText(BAD_IMAGES_FILE, String.join("\n", epoch.rejected()) + "\n");
        }
    }

    /** Scaling only, or per-channel normalisation with the training set's statistics (kept in the run). */
    private Preprocessing preprocessing(RunStore store, EpochData.Epoch train, int channels) {
        if (!spec.data().normalize()) {
            var scale = Preprocessing.scaleOnly(channels);
            return new Preprocessing(spec.data().augmentation(), scale.mean(), scale.std());
        }
        ChannelStats.Stats stats = ChannelStats.of(train.blocks(), channels);
        if (!store.exists(NORMALIZATION_FILE)) {
            store.writeText(NORMALIZATION_FILE, String.format("{\"mean\": %s, \"std\": %s}%n",
                    Arrays.toString(stats.mean()), Arrays.toString(stats.std())));
            log.info("normalisation: mean {} std {}", Arrays.toString(stats.mean()), Arrays.toString(stats.std()));
        }
        return new Preprocessing(spec.data().augmentation(), stats.mean(), stats.std());
    }

    private static Map<String, Object> roundRecord(RoundReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", "round");
        m.put("epoch", r.epoch());
        m.put("round", r.round());
        m.put("loss", r.loss());
        m.put("images_per_second", r.imagesPerSecond());
        m.put("learning_rate", r.learningRate());
        m.put("examples", r.examples());
        m.put("seconds", r.seconds());
        m.put("fit_seconds", r.fitSeconds());
        return m;
    }

    static Map<String, Object> epochRecord(EpochResult r, double trainSeconds) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", "epoch");
        m.put("epoch", r.epoch());
        m.put("test_accuracy", r.test().accuracy());
        m.put("test_top5_accuracy", r.test().top5Accuracy());
        m.put("test_loss", r.test().meanLoss());
        m.put("train_loss", r.trainLoss());
        m.put("seconds", r.seconds());
        m.put("train_images_per_second", r.examples() / trainSeconds);
        m.put("examples", r.examples());
        m.put("examples_seen", r.examplesSeen());
        m.put("per_class_accuracy", perClassAccuracy(r.test()));
        m.put("confusion", r.test().confusion());
        return m;
    }

    public static double[] perClassAccuracy(EvalCounts counts) {
        double[] accuracy = new double[counts.confusion().length];
        for (int c = 0; c < accuracy.length; c++) {
            long total = Arrays.stream(counts.confusion()[c]).sum();
            accuracy[c] = total == 0 ? Double.NaN : (double) counts.confusion()[c][c] / total;
        }
        return accuracy;
    }

    private static void saveModel(RunStore store, ModelState state) {
        ComputationGraph graph = WorkerNets.borrow(state);
        try {
            store.write(MODEL_FILE, stream -> ModelSerializer.writeModel(graph, stream, true));
        } finally {
            WorkerNets.release(state, graph);
        }
    }
}
