package sparkcnn.driver.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import sparkcnn.driver.data.EpochData;
import sparkcnn.driver.data.Shard;
import sparkcnn.driver.eval.DistributedEvaluation;
import sparkcnn.kernels.optim.LearningRateSchedule;
import sparkcnn.kernels.train.ModelState;

/**
 * How the rounds of an epoch are trained ({@code train.engine}, {@link EngineKind}): averaging through
 * the driver ({@link DriverEngine}), a ring all-reduce between the executors ({@link AllReduceEngine}),
 * or DL4J Spark's parameter-averaging training master ({@link Dl4jParameterAveraging}). Each reports
 * its rounds to the same listener, so metrics, checkpoints, evaluation and reports are the same. An
 * engine lives for a run: it may hold its workers between epochs, and is closed at the run's end.
 */
public interface Engine extends AutoCloseable {

    /**
     * Called after each round with its report and the averaged state it produced; the state is null
     * where the engine keeps it on the workers (all-reduce: rounds the driver does not need it after).
     */
    @FunctionalInterface
    interface RoundListener {
        void afterRound(RoundReport report, ModelState state);
    }

    /** A Spark UI job description, prefixed with the job group (the run) where one is set. */
    static String jobDescription(JavaSparkContext sc, String what) {
        String group = sc.getLocalProperty("spark.jobGroup.id");
        return group == null ? what : group + ": " + what;
    }

    /** The rounds an epoch is reported in, when a full pass takes {@code fullPass} of sparkcnn's. */
    int roundsPerEpoch(int fullPass, RunSettings settings);

    /** Rounds {@code firstRound..rounds-1} of {@code epoch}; the averaged state after the last. */
    ModelState fitRounds(ModelState start, JavaRDD<Shard> shards, int rounds, int epoch, int firstRound,
                         LearningRateSchedule schedule, RoundListener listener);

    /** The rounds of an epoch as {@link EpochData} opened it; by default on its shards. */
    default ModelState fitEpoch(ModelState start, EpochData.Epoch epoch, int rounds, int epochNumber, int firstRound,
                                LearningRateSchedule schedule, RoundListener listener) {
        return fitRounds(start, epoch.shards(), rounds, epochNumber, firstRound, schedule, listener);
    }

    /** {@code state} scored on the test shards: by a Spark job of its own unless the engine's workers can. */
    default DistributedEvaluation.Scored score(JavaSparkContext sc, ModelState state, JavaRDD<Shard> test,
                                               DistributedEvaluation.Scoring scoring) {
        return DistributedEvaluation.score(sc, state, test, scoring);
    }

    /**
     * Gives up the task slots the engine holds between epochs (the ring's), so that another Spark job
     * can run; the engine takes them again when it next needs them.
     */
    default void yieldSlots() {
    }

    /** Lets go of whatever the engine holds between epochs. */
    @Override
    default void close() {
        yieldSlots();
    }
}
