package sparkcnn.jobs.train;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.DoubleSummaryStatistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sparkcnn.driver.SparkContexts;
import sparkcnn.driver.data.DataException;
import sparkcnn.driver.data.IdxDataSource;
import sparkcnn.driver.eval.DistributedEvaluation;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.driver.io.RunStore;
import sparkcnn.driver.train.AveragingSettings;
import sparkcnn.driver.train.AveragingTrainer;
import sparkcnn.jobs.report.MetricsLog;
import sparkcnn.jobs.report.ProgressPrinter;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.data.ExampleBlock;
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
        IdxDataSource trainData = open(spec.train(), hadoop);
        IdxDataSource testData = open(spec.test(), hadoop);
        if (!trainData.shape().equals(spec.model().input())) {
            throw new IllegalArgumentException("model.input is " + spec.model().input() + " but the images in "
                    + spec.train().images() + " are " + trainData.shape());
        }
        RunStore store = new RunStore(spec.runDir(), sc.hadoopConfiguration());
        store.writeText(CONFIG_FILE, renderedConfig);
        MetricsLog metrics = new MetricsLog(store);

        JavaRDD<ExampleBlock> trainShards = trainData.blocks(sc, spec.workers()).persist(StorageLevel.MEMORY_AND_DISK());
        JavaRDD<ExampleBlock> testShards = testData.blocks(sc, spec.workers()).persist(StorageLevel.MEMORY_AND_DISK());
        int largestShard = trainData.ranges(spec.workers()).stream().mapToInt(IdxDataSource.Range::count).max().orElseThrow();

        ComputationGraph graph = new ComputationGraph(architecture);
        graph.init();
        ModelState state = ModelState.of(graph);
        log.info("model: {} parameters; data: {} training, {} test examples of {}", graph.numParams(),
                trainData.count(), testData.count(), trainData.shape());

        var settings = new AveragingSettings(spec.workers(), spec.batchSizePerWorker(), spec.averagingFrequency(),
                threads, spec.seed(), spec.model().classes());
        var trainer = new AveragingTrainer(sc, settings);
        var progress = new ProgressPrinter(out, terminal, spec.epochs(), 10);
        out.printf("training %d epochs: %d workers x batch %d, averaging every %d minibatches, %d rounds per epoch%n",
                spec.epochs(), spec.workers(), spec.batchSizePerWorker(), spec.averagingFrequency(),
                settings.roundsPerEpoch(largestShard));

        List<EpochResult> results = new ArrayList<>();
        for (int epoch = 1; epoch <= spec.epochs(); epoch++) {
            long t0 = System.nanoTime();
            var roundLosses = new DoubleSummaryStatistics();
            state = trainer.fitEpoch(state, trainShards, largestShard, epoch, report -> {
                roundLosses.accept(report.loss());
                progress.accept(report);
            });
            double trainSeconds = (System.nanoTime() - t0) / 1e9;
            sc.setJobDescription("epoch " + epoch + " evaluation");
            EvalCounts test = DistributedEvaluation.evaluate(sc, state, testShards, spec.evalBatchSize(),
                    spec.model().classes(), threads);
            double seconds = (System.nanoTime() - t0) / 1e9;
            var result = new EpochResult(epoch, roundLosses.getAverage(), test, seconds, trainData.count());
            results.add(result);
            out.printf("epoch %d/%d: test accuracy %.4f  test loss %.4f  train loss %.4f  %.1f s (%.0f img/s)%n",
                    epoch, spec.epochs(), test.accuracy(), test.meanLoss(), result.trainLoss(), seconds,
                    trainData.count() / trainSeconds);
            metrics.append(metricsRecord(result, trainSeconds));
            saveModel(store, state);
        }
        trainShards.unpersist(false);
        testShards.unpersist(false);
        out.printf("model saved to %s%n", store.uri(MODEL_FILE));
        return new Result(results, state, store.root());
    }

    private static IdxDataSource open(TrainSpec.IdxPaths paths, HadoopConf hadoop) {
        try {
            return new IdxDataSource(paths.images(), paths.labels(), hadoop, paths.limit());
        } catch (DataException e) {
            throw new DataException(paths.key() + ": " + e.getMessage(), e);
        }
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
