package sparkcnn.jobs.train;

import com.typesafe.config.Config;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sparkcnn.driver.SparkContexts;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.driver.io.RunLock;
import sparkcnn.driver.train.RunLayout;
import sparkcnn.driver.train.TrainingRun;
import sparkcnn.jobs.config.JobConfig;
import sparkcnn.jobs.report.RunConsole;
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
    public TrainingRun.Result run(boolean masterExplicit, RunLayout.Start start) {
        ComputationGraphConfiguration architecture = architecture();
        RunLayout run = RunLayout.of(spec.runDir(), SparkContexts.hadoopConfiguration());
        try (RunLock lock = run.begin(start)) {
            Map<String, List<String>> changed = changesOnResume(run, start);
            try (JavaSparkContext sc = SparkContexts.start(spec.master(), spec.appName(), masterExplicit, false,
                    spec.backend())) {
                return train(sc, architecture, run, changed);
            }
        }
    }

    /** Trains on a context the caller owns (a sweep runs several trials on one). */
    public TrainingRun.Result runOn(JavaSparkContext sc, RunLayout.Start start) {
        ComputationGraphConfiguration architecture = architecture();
        RunLayout run = RunLayout.of(spec.runDir(), sc.hadoopConfiguration());
        try (RunLock lock = run.begin(start)) {
            return train(sc, architecture, run, changesOnResume(run, start));
        }
    }

    /** The config keys a resume changes (checked: the network, data and optimiser stay as they were). */
    private Map<String, List<String>> changesOnResume(RunLayout run, RunLayout.Start start) {
        return start != RunLayout.Start.RESUME ? Map.of()
                : ResumeChanges.check(JobConfig.parseRun(run.readText(RunLayout.CONFIG)), config, run.root());
    }

    private ComputationGraphConfiguration architecture() {
        return GraphBuilder.build(spec.model().architecture(), spec.optimizer(), spec.seed());
    }

    private TrainingRun.Result train(JavaSparkContext sc, ComputationGraphConfiguration architecture, RunLayout run,
                                     Map<String, List<String>> changedOnResume) {
        int threads = spec.resolveWorkerThreads(SparkContexts.taskCpus(sc));
        NativeBackend.init(threads); // logs the backend, oneDNN helpers and threads per worker
        log.info("spark: master {}, {} workers, {} task slots", sc.master(), spec.workers(), sc.defaultParallelism());
        for (String executor : SparkContexts.verifyBackend(sc, spec.backend(), spec.workers())) {
            log.info("backend = {}: {}", spec.backend().name().toLowerCase(Locale.ROOT), executor);
        }
        if (sc.defaultParallelism() < spec.workers()) {
            log.warn("{} workers but only {} task slots: workers will run in waves", spec.workers(), sc.defaultParallelism());
        }
        var data = spec.data().open(sc, new HadoopConf(sc.hadoopConfiguration()), spec.workers(),
                spec.model().input(), spec.model().classes(), spec.seed());
        String rendered = JobConfig.render(config);
        if (!run.has(RunLayout.CONFIG) || !changedOnResume.isEmpty()) {
            run.writeText(RunLayout.CONFIG, rendered); // a resume records the keys it changed
        }
        if (!run.has(RunLayout.CLASSES)) {
            run.writeClasses(data.train().classes());
        }
        // the Spark UI groups this run's jobs; every description names the run, epoch and round
        sc.setJobGroup(run.name(), "sparkcnn run " + run.root(), false);
        var console = new RunConsole(out, terminal, spec, run, rendered, data.train().classes());
        TrainingRun.Result result = new TrainingRun(sc, run, spec.runSettings(threads), console)
                .run(data.train(), data.test(), () -> freshModel(architecture), changedOnResume);
        console.finished(result);
        return result;
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
