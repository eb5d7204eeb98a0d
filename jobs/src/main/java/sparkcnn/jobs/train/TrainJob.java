package sparkcnn.jobs.train;

import sparkcnn.jobs.data.TrainingData;
import sparkcnn.driver.run.RunStart;
import sparkcnn.driver.train.RunStoppedException;
import sparkcnn.driver.train.StopRequest;
import com.typesafe.config.Config;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sparkcnn.driver.SparkContexts;
import sparkcnn.driver.WorkerMemory;
import sparkcnn.driver.train.WorkerOutOfMemoryException;
import sparkcnn.kernels.cost.CostReport;
import sparkcnn.driver.io.RunLock;
import sparkcnn.driver.io.StorageException;
import sparkcnn.driver.run.RunLayout;
import sparkcnn.driver.train.TrainingRun;
import sparkcnn.jobs.config.JobConfig;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.net.GraphBuilder;
import sparkcnn.kernels.train.ModelState;

/**
 * {@code train}: config to spec to run. Checks the architecture before Spark starts, starts Spark
 * and checks the executors' backend, opens the data, claims the run directory (new, overwritten or
 * resumed) and hands the rest to a {@link TrainingRun}.
 */
public final class TrainJob {
    private static final Logger log = LoggerFactory.getLogger(TrainJob.class);

    private final Config config;
    private final TrainSpec spec;
    private final PrintStream out;
    private final boolean terminal;

    public TrainJob(Config config, PrintStream out, boolean terminal) {
        this.config = config;
        this.spec = TrainSpec.from(config);
        this.out = out;
        this.terminal = terminal;
    }

    public TrainSpec spec() {
        return spec;
    }

    /**
     * Trains in its own Spark application. The geometry and the run directory are checked, and the
     * directory locked, before Spark starts.
     */
    public TrainingRun.Result run(boolean masterExplicit, RunStart start) {
        ComputationGraphConfiguration architecture = architecture();
        SparkContexts.requireReachable(spec.master(), masterExplicit, System.getenv());
        RunLayout run = RunLayout.of(spec.runDir(), SparkContexts.hadoopConfiguration());
        var stop = new StopRequest();
        try (RunLock lock = start.begin(run)) {
            Map<String, List<String>> changed = changesOnResume(run, start);
            try (JavaSparkContext sc = SparkContexts.start(spec.master(), spec.appName(), masterExplicit, false,
                    spec.backend()); var signals = StopOnSignal.install(stop)) {
                stop.interruptWith(sc::cancelAllJobs);
                return train(sc, architecture, run, changed, null, stop, spec.epochs());
            }
        } catch (StorageException e) {
            throw e.inRun(run.root(), run.howToContinue());
        } catch (Exception e) { // Spark's own are checked and undeclared
            if (stop.requested() && !(e instanceof RunStoppedException)) { // before the run's first round
                throw new RunStoppedException("stopped by " + stop.reason().orElseThrow() + " before training; "
                        + run.howToContinue(), stop.exitStatus(), e);
            }
            throw e;
        }
    }

    /** What a worker that ran out of memory needs, has, and which keys change either. */
    private WorkerOutOfMemoryException outOfMemory(JavaSparkContext sc, String why, RunLayout run, Exception e) {
        int batch = spec.batchSizePerWorker();
        long need = CostReport.of(spec.model().architecture()).trainingBytes(batch);
        return new WorkerOutOfMemoryException(String.format(Locale.ROOT, "a worker ran out of memory (%s): the model "
                + "trains at batch %d per worker in about %d MiB (parameters x3 and activations: sparkcnn inspect "
                + "--batch %d), and %s. Raise spark.executor.memory, spark.executor.memoryOverhead or the limits in "
                + "spark.executor.extraJavaOptions (SPARKCNN_JAVA_OPTS in local mode), or lower "
                + "train.batch-size-per-worker; then %s", why, batch, need >> 20, batch,
                WorkerMemory.limits(sc.getConf(), sc.isLocal()), run.howToContinue()), e);
    }

    /** Trains on a context the caller owns (a sweep runs several trials on one). */
    public TrainingRun.Result runOn(JavaSparkContext sc, RunStart start) {
        return runOn(sc, start, null);
    }

    /**
     * As above, on data the caller opened (the Spark ML API's DataFrames) instead of the config's
     * {@code data} keys; null opens those.
     */
    public TrainingRun.Result runOn(JavaSparkContext sc, RunStart start, TrainingData data) {
        return runOn(sc, start, data, spec.epochs());
    }

    /**
     * As above, pausing after epoch {@code pauseAfter} (checkpointed and evaluated) on the schedule
     * of all {@code train.epochs}: a sweep's trial that waits at a rung of successive halving.
     */
    public TrainingRun.Result runOn(JavaSparkContext sc, RunStart start, TrainingData data, int pauseAfter) {
        return runOn(sc, start, data, pauseAfter, new StopRequest());
    }

    /** As above, stopped (checkpointed, then {@link sparkcnn.driver.train.RunStoppedException}) when {@code stop} asks. */
    public TrainingRun.Result runOn(JavaSparkContext sc, RunStart start, TrainingData data, int pauseAfter,
                                    StopRequest stop) {
        ComputationGraphConfiguration architecture = architecture();
        RunLayout run = RunLayout.of(spec.runDir(), sc.hadoopConfiguration());
        try (RunLock lock = start.begin(run)) {
            return train(sc, architecture, run, changesOnResume(run, start), data, stop, pauseAfter);
        }
    }

    /** The config keys a resume changes (checked: the network, data and optimiser stay as they were). */
    private Map<String, List<String>> changesOnResume(RunLayout run, RunStart start) {
        if (start == RunStart.RESUME && !spec.engine().resumable()) {
            throw new com.typesafe.config.ConfigException.BadValue("train.engine", "a run of "
                    + spec.engine() + " cannot be resumed: DL4J's training master repartitions and shuffles each epoch "
                    + "its own way, so a resumed run would not continue the one that stopped; start it anew");
        }
        return start != RunStart.RESUME ? Map.of()
                : ResumeChanges.check(JobConfig.parseRun(run.readText(RunLayout.CONFIG)), config, run.root());
    }

    private ComputationGraphConfiguration architecture() {
        return GraphBuilder.build(spec.model().architecture(), spec.optimizer(), spec.seed(), spec.layers());
    }

    private TrainingRun.Result train(JavaSparkContext sc, ComputationGraphConfiguration architecture, RunLayout run,
                                     Map<String, List<String>> changedOnResume, TrainingData opened, StopRequest stop,
                                     int pauseAfter) {
        int threads = spec.resolveWorkerThreads(SparkContexts.taskCpus(sc));
        NativeBackend.init(threads); // logs the backend, oneDNN helpers and threads per worker
        log.info("spark: master {}, {} workers, {} task slots", sc.master(), spec.workers(), sc.defaultParallelism());
        for (String executor : SparkContexts.verifyBackend(sc, spec.backend(), spec.workers())) {
            log.info("backend = {}: {}", spec.backend().name().toLowerCase(Locale.ROOT), executor);
        }
        spec.engine().requireSlots(sc, spec.workers()); // before the run directory is written to
        var data = opened != null ? opened : spec.data().open(sc, spec.workers(), spec.model().input(), spec.model().classes(), spec.seed());
        String rendered = JobConfig.render(config);
        if (!run.has(RunLayout.CONFIG) || !changedOnResume.isEmpty()) {
            run.writeConfig(rendered); // a resume records the keys it changed
        }
        if (!run.has(RunLayout.CLASSES)) {
            run.writeClasses(data.train().classes());
        }
        if (!config.getString("train.init-from").isEmpty() && spec.data().normalize()) {
            FineTune.inheritNormalization(config.getString("train.init-from"), run, sc.hadoopConfiguration());
        }
        // the Spark UI groups this run's jobs; every description names the run, epoch and round
        sc.setJobGroup(run.name(), "sparkcnn run " + run.root(), false);
        int lastEpoch = Math.min(spec.epochs(), pauseAfter);
        var console = new RunConsole(out, terminal, spec, run, rendered, data.train().classes(), lastEpoch);
        TrainingRun.Result result;
        try {
            result = new TrainingRun(sc, run, spec.runSettings(threads), console, stop)
                    .run(data.train(), data.test(), () -> startingModel(sc, architecture), changedOnResume, lastEpoch);
        } catch (Exception e) { // Spark's own are checked and undeclared
            Optional<String> why = WorkerMemory.outOfMemory(e);
            if (why.isPresent()) {
                throw outOfMemory(sc, why.get(), run, e);
            }
            throw e;
        }
        console.finished(result);
        return result;
    }

    /** A fresh network, or (train.init-from) a trained one to fine-tune. */
    private ModelState startingModel(JavaSparkContext sc, ComputationGraphConfiguration architecture) {
        String initFrom = config.getString("train.init-from");
        if (initFrom.isEmpty()) {
            return freshModel(architecture);
        }
        String freezeUntil = config.getString("train.freeze-until");
        ModelState state = FineTune.start(initFrom, freezeUntil.isEmpty() ? null : freezeUntil, spec, architecture,
                sc.hadoopConfiguration());
        log.info("model: fine-tuned from {}{}, {} parameters", initFrom,
                freezeUntil.isEmpty() ? "" : ", frozen up to " + freezeUntil, state.params().length);
        return state;
    }

    private ModelState freshModel(ComputationGraphConfiguration architecture) {
        ComputationGraph graph = new ComputationGraph(architecture);
        graph.init();
        ModelState state = ModelState.of(graph);
        log.info("model: {}, {} parameters; input {}", spec.model().architecture().name(), state.params().length,
                spec.model().input());
        return state;
    }
}
