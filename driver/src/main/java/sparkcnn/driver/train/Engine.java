package sparkcnn.driver.train;

import org.apache.spark.api.java.JavaRDD;
import sparkcnn.driver.data.Shard;
import sparkcnn.kernels.optim.LearningRateSchedule;
import sparkcnn.kernels.train.ModelState;

/**
 * How the rounds of an epoch are trained ({@code train.engine}): sparkcnn's own averaging through
 * the driver ({@link AveragingTrainer}), a ring all-reduce between the executors
 * ({@link AllReduceEngine}), or DL4J Spark's parameter-averaging training master
 * ({@link Dl4jParameterAveraging}). Either reports its rounds to the same listener, so metrics,
 * checkpoints, evaluation and reports are the same.
 */
public interface Engine {
    String SPARKCNN = "sparkcnn";
    String DL4J_PARAMETER_AVERAGING = "dl4j-parameter-averaging";
    String ALLREDUCE = "allreduce";

    /** A Spark UI job description, prefixed with the job group (the run) where one is set. */
    static String jobDescription(org.apache.spark.api.java.JavaSparkContext sc, String what) {
        String group = sc.getLocalProperty("spark.jobGroup.id");
        return group == null ? what : group + ": " + what;
    }

    /** The rounds an epoch is reported in, when a full pass takes {@code fullPass} of sparkcnn's. */
    int roundsPerEpoch(int fullPass, RunSettings settings);

    /** Rounds {@code firstRound..rounds-1} of {@code epoch}; the averaged state after the last. */
    ModelState fitRounds(ModelState start, JavaRDD<Shard> shards, int rounds, int epoch, int firstRound,
                         LearningRateSchedule schedule, AveragingTrainer.RoundListener listener);
}
