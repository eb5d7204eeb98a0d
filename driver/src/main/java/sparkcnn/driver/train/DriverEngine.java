package sparkcnn.driver.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import sparkcnn.driver.WorkerMemory;
import sparkcnn.driver.data.Shard;
import sparkcnn.kernels.optim.LearningRateSchedule;
import sparkcnn.kernels.train.ModelState;

/**
 * Synchronous averaging through the driver ({@code train.engine = driver}). Each round broadcasts the
 * model state, every partition (one worker's shard) fits its next minibatches from that state
 * ({@link WorkerRound}), and the workers' parameters and updater states are summed in a tree and
 * divided once on the driver ({@link Averaging}).
 */
public final class DriverEngine implements Engine {
    private final JavaSparkContext sc;
    private final AveragingSettings settings;

    public DriverEngine(JavaSparkContext sc, AveragingSettings settings) {
        this.sc = sc;
        this.settings = settings;
    }

    @Override
    public int roundsPerEpoch(int fullPass, RunSettings run) {
        return run.rounds(fullPass);
    }

    /** Rounds {@code firstRound..rounds-1} of an epoch (fewer than a full pass where steps per epoch are set). */
    @Override
    public ModelState fitRounds(ModelState start, JavaRDD<Shard> shards, int rounds, int epoch, int firstRound,
                                LearningRateSchedule schedule, RoundListener listener) {
        ModelState state = start.withEpoch(epoch);
        for (int round = firstRound; round < rounds; round++) {
            long t0 = System.nanoTime();
            sc.setJobDescription(Engine.jobDescription(sc, String.format("epoch %d round %d/%d", epoch, round + 1, rounds)));
            double rate = schedule.rate(epoch, round, rounds);
            WorkerRound sum = round(state.withLearningRate(rate), shards, epoch, round);
            state = Averaging.next(state, sum.result(), epoch, round, sum.rejected());
            listener.afterRound(new RoundReport(epoch, round + 1, rounds, sum.result().meanLoss(),
                    sum.result().examples(), (System.nanoTime() - t0) / 1e9, rate, sum.result().fitSeconds(),
                    sum.rejected()), state);
        }
        return state;
    }

    /** The workers' summed results of round {@code round} of {@code epoch}, and the files they rejected in it. */
    WorkerRound round(ModelState state, JavaRDD<Shard> shards, int epoch, int round) {
        Broadcast<ModelState> shared = sc.broadcast(state);
        AveragingSettings s = settings;
        try {
            return shards
                    .map(shard -> WorkerMemory.asTaskFailure(() -> WorkerRound.fit(shared.value(), shard, s, epoch, round)))
                    .treeReduce(WorkerRound::plus, s.aggregationDepth());
        } finally {
            shared.destroy();
        }
    }
}
