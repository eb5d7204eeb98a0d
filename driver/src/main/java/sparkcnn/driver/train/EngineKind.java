package sparkcnn.driver.train;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sparkcnn.driver.data.Shard;
import sparkcnn.driver.eval.DistributedEvaluation;

/**
 * The engines {@code train.engine} names, each with what it asks of the cluster and of a run, and how
 * it is made: the one table of them.
 */
public enum EngineKind {
    /** A ring all-reduce between the executors: every worker's task at once (barrier), no dynamic allocation. */
    ALLREDUCE("allreduce", true, true, false),
    /** Averaging through the driver: a broadcast and a tree of sums every round. */
    DRIVER("driver", false, true, false),
    /** DL4J Spark's parameter-averaging training master: one call per epoch, not resumable. */
    DL4J_PARAMETER_AVERAGING("dl4j-parameter-averaging", false, false, true);

    private static final Logger log = LoggerFactory.getLogger(EngineKind.class);
    /** The driver engine's former name, which said nothing of what it does. */
    private static final String OLD_DRIVER_NAME = "sparkcnn";

    private final String configName;
    private final boolean barrier;
    private final boolean resumable;
    private final boolean wholeEpochs;

    EngineKind(String configName, boolean barrier, boolean resumable, boolean wholeEpochs) {
        this.configName = configName;
        this.barrier = barrier;
        this.resumable = resumable;
        this.wholeEpochs = wholeEpochs;
    }

    /** The engine {@code name} names; the old name of the driver engine is taken, with a warning. */
    public static EngineKind named(String name) {
        if (name.equals(OLD_DRIVER_NAME)) {
            log.warn("train.engine = {} is now called {}; the old name will go", OLD_DRIVER_NAME, DRIVER.configName);
            return DRIVER;
        }
        return Arrays.stream(values()).filter(k -> k.configName.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("is '" + name + "'; use " + Arrays.stream(values())
                        .map(EngineKind::configName).collect(Collectors.joining(", "))));
    }

    /** Its name in {@code train.engine}. */
    public String configName() {
        return configName;
    }

    /** Whether it needs a task slot for every worker at once (a barrier stage) and no dynamic allocation. */
    public boolean needsEverySlotAtOnce() {
        return barrier;
    }

    /** Whether a stopped run of it continues exactly with {@code --resume}. */
    public boolean resumable() {
        return resumable;
    }

    /** Whether it fits whole epochs only (no {@code train.steps-per-epoch}, no stop within an epoch). */
    public boolean wholeEpochs() {
        return wholeEpochs;
    }

    /**
     * Checks the cluster can run {@code workers} of it before anything is written: every slot at once
     * for a barrier engine; fewer slots than workers otherwise only run in waves.
     */
    public void requireSlots(JavaSparkContext sc, int workers) {
        if (barrier) {
            BarrierSlots.require(sc, workers);
        } else if (sc.defaultParallelism() < workers) {
            log.warn("{} workers but only {} task slots: workers will run in waves", workers, sc.defaultParallelism());
        }
    }

    /** The engine of one run. */
    Engine create(JavaSparkContext sc, AveragingSettings averaging, RunSettings run, StopRequest stop,
                  JavaRDD<Shard> test, DistributedEvaluation.Scoring scoring) {
        return switch (this) {
            case ALLREDUCE -> new AllReduceEngine(sc, averaging, new AllReduceEngine.Options(run.checkpointEveryRounds(),
                    run.allReduceTimeoutSeconds(), run.allReduceOverlap()), stop, test, scoring);
            case DRIVER -> new DriverEngine(sc, averaging);
            case DL4J_PARAMETER_AVERAGING -> new Dl4jParameterAveraging(sc, averaging);
        };
    }

    @Override
    public String toString() {
        return configName;
    }
}
