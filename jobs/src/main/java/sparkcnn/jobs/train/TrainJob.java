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
import sparkcnn.jobs.report.MetricsLog;
import sparkcnn.jobs.report.ProgressPrinter;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.arch.ModelSpec;
import sparkcnn.kernels.data.Preprocessing;
import sparkcnn.kernels.eval.EvalCounts;
import sparkcnn.kernels.net.GraphBuilder;
import sparkcnn.kernels.train.ModelState;
import sparkcnn.kernels.train.WorkerNets;

/**
 * {@code train}: checks the architecture, starts Spark, shards the data over the workers, trains by
 * parameter averaging, evaluates on the test set after every epoch, and writes the run directory.
 */
public final class TrainJob {
    public static final String MODEL_FILE = "model.zip";
    public static final String CONFIG_FILE = "config.conf";
    public static final String CLASSES_FILE = "classes.txt";
    public static final String BAD_IMAGES_FILE = "bad-images.txt";
    public static final String NORMALIZATION_FILE = "normalization.json";
    private static final Logger log = LoggerFactory.getLogger(TrainJob.class);

    /** One epoch's outcome, as written to metrics.jsonl. */
    public record EpochResult(int epoch, double trainLoss, EvalCounts test, double seconds, long examples) {
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

    public Result run(boolean masterExplicit) {
        // The whole geometry is checked here, before Spark starts.
        ComputationGraphConfiguration architecture =
                GraphBuilder.build(spec.model().architecture(), spec.optimizer(), spec.seed());
        try (JavaSparkContext sc = SparkContexts.start(spec.master(), spec.appName(), masterExplicit)) {
            return train(sc, architecture);
        }
    }

    Result train(JavaSparkContext sc, ComputationGraphConfiguration architecture) {
        int threads = spec.resolveWorkerThreads(SparkContexts.taskCpus(sc));
        NativeBackend.init(threads); // logs the backend, oneDNN helpers and threads per worker
        log.info("spark: master {}, {} workers, {} task slots", sc.master(), spec.workers(), sc.defaultParallelism());
        if (sc.defaultParallelism() < spec.workers()) {
            log.warn("{} workers but only {} task slots: workers will run in waves", spec.workers(), sc.defaultParallelism());
        }

        HadoopConf hadoop = new HadoopConf(sc.hadoopConfiguration());
        ModelSpec model = spec.model();
        DataSpec.Opened data = spec.data().open(sc, hadoop, spec.workers(), model.input(), model.classes(), spec.seed());
        RunStore store = new RunStore(spec.runDir(), sc.hadoopConfiguration());
        store.writeText(CONFIG_FILE, renderedConfig);
        store.writeText(CLASSES_FILE, String.join("\n", data.train().classes()) + "\n");
        MetricsLog metrics = new MetricsLog(store);

        ComputationGraph graph = new ComputationGraph(architecture);
        graph.init();
        ModelState state = ModelState.of(graph);
        log.info("model: {}, {} parameters; input {}", model.architecture().name(), graph.numParams(), model.input());

        List<EpochResult> results = new ArrayList<>();
        try (EpochData.Epoch testSet = data.test().open(0)) {
            Preprocessing preprocessing = null;
            ProgressPrinter progress = null;
            AveragingTrainer trainer = null;
            for (int epoch = 1; epoch <= spec.epochs(); epoch++) {
                long t0 = System.nanoTime();
                try (EpochData.Epoch trainSet = data.train().open(epoch)) {
                    reportRejected(store, trainSet, epoch);
                    if (preprocessing == null) {
                        preprocessing = preprocessing(store, trainSet, model.input().depth());
                        var settings = new AveragingSettings(spec.workers(), spec.batchSizePerWorker(),
                                spec.averagingFrequency(), threads, spec.seed(), model.classes(), preprocessing);
                        trainer = new AveragingTrainer(sc, settings);
                        progress = new ProgressPrinter(out, terminal, spec.epochs(), 10);
                        out.printf("training %d epochs on %,d examples (%d test): %d workers x batch %d, averaging every %d "
                                        + "minibatches, %d rounds per epoch%n", spec.epochs(), trainSet.examples(),
                                testSet.examples(), spec.workers(), spec.batchSizePerWorker(), spec.averagingFrequency(),
                                settings.roundsPerEpoch(trainSet.largestShard()));
                    }
                    var roundLosses = new DoubleSummaryStatistics();
                    ProgressPrinter printer = progress;
                    state = trainer.fitEpoch(state, trainSet.blocks(), trainSet.largestShard(), epoch, report -> {
                        roundLosses.accept(report.loss());
                        printer.accept(report);
                    });
                    double trainSeconds = (System.nanoTime() - t0) / 1e9;
                    sc.setJobDescription("epoch " + epoch + " evaluation");
                    EvalCounts test = DistributedEvaluation.evaluate(sc, state, testSet.blocks(), spec.evalBatchSize(),
                            model.classes(), threads, preprocessing);
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    var result = new EpochResult(epoch, roundLosses.getAverage(), test, seconds, trainSet.examples());
                    results.add(result);
                    out.printf("epoch %d/%d: test accuracy %.4f  test loss %.4f  train loss %.4f  %.1f s (%.0f img/s)%n",
                            epoch, spec.epochs(), test.accuracy(), test.meanLoss(), result.trainLoss(), seconds,
                            trainSet.examples() / trainSeconds);
                    metrics.append(metricsRecord(result, trainSeconds));
                    saveModel(store, state);
                }
            }
        }
        out.printf("model saved to %s%n", store.uri(MODEL_FILE));
        return new Result(results, state, store.root());
    }

    /** Names the files the first epoch could not decode, in the log and in bad-images.txt of the run. */
    private static void reportRejected(RunStore store, EpochData.Epoch epoch, int number) {
        if (number == 1 && !epoch.rejected().isEmpty()) {
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
        store.writeText(NORMALIZATION_FILE, String.format("{\"mean\": %s, \"std\": %s}%n",
                Arrays.toString(stats.mean()), Arrays.toString(stats.std())));
        log.info("normalisation: mean {} std {}", Arrays.toString(stats.mean()), Arrays.toString(stats.std()));
        return new Preprocessing(spec.data().augmentation(), stats.mean(), stats.std());
    }

    private static Map<String, Object> metricsRecord(EpochResult r, double trainSeconds) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", r.epoch());
        m.put("test_accuracy", r.test().accuracy());
        m.put("test_top5_accuracy", r.test().top5Accuracy());
        m.put("test_loss", r.test().meanLoss());
        m.put("train_loss", r.trainLoss());
        m.put("seconds", r.seconds());
        m.put("train_images_per_second", r.examples() / trainSeconds);
        return m;
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
