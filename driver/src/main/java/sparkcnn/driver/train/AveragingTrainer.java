package sparkcnn.driver.train;

import java.util.function.Consumer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import sparkcnn.driver.TaskGpu;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.data.ExampleBlock;
import sparkcnn.kernels.train.ModelState;
import sparkcnn.kernels.train.RoundResult;
import sparkcnn.kernels.train.WorkerStep;

/**
 * Data-parallel training by synchronous parameter averaging. Each round broadcasts the model state,
 * every partition (one worker's shard) fits its next minibatches from that state, and the workers'
 * parameters and updater states are summed in a tree and divided once on the driver.
 *
 * <p>Each worker walks its shard in an order that depends only on the seed, the epoch and the
 * shard, so a run is reproducible and a round can be recomputed anywhere.
 */
public final class AveragingTrainer {
    private final JavaSparkContext sc;
    private final AveragingSettings settings;

    public AveragingTrainer(JavaSparkContext sc, AveragingSettings settings) {
        this.sc = sc;
        this.settings = settings;
    }

    /** Called after each round with its report and the averaged state it produced. */
    @FunctionalInterface
    public interface RoundListener {
        void afterRound(RoundReport report, ModelState state);
    }

    /** One pass of every worker over its shard at the state's own learning rate. */
    public ModelState fitEpoch(ModelState start, JavaRDD<ExampleBlock> shards, int largestShard, int epoch,
                               Consumer<RoundReport> onRound) {
        return fitEpoch(start, shards, largestShard, epoch, 0,
                LearningRateSchedule.constant(start.learningRate(), Math.max(1, epoch)), (r, s) -> onRound.accept(r));
    }

    /**
     * Rounds {@code firstRound..} of one pass of every worker over its shard, each at the schedule's
     * learning rate; returns the averaged state after the last round.
     */
    public ModelState fitEpoch(ModelState start, JavaRDD<ExampleBlock> shards, int largestShard, int epoch,
                               int firstRound, LearningRateSchedule schedule, RoundListener listener) {
        int rounds = settings.roundsPerEpoch(largestShard);
        ModelState state = start.withEpoch(epoch);
        for (int round = firstRound; round < rounds; round++) {
            long t0 = System.nanoTime();
            sc.setJobDescription(describe(String.format("epoch %d round %d/%d", epoch, round + 1, rounds)));
            double rate = schedule.rate(epoch, round, rounds);
            RoundResult sum = round(state.withLearningRate(rate), shards, epoch, round);
            state = average(state, sum, epoch, round);
            listener.afterRound(new RoundReport(epoch, round + 1, rounds, sum.meanLoss(), sum.examples(),
                    (System.nanoTime() - t0) / 1e9, rate, sum.fitSeconds()), state);
        }
        return state;
    }

    /** A Spark UI job description, prefixed with the job group (the run) where one is set. */
    private String describe(String what) {
        String group = sc.getLocalProperty("spark.jobGroup.id");
        return group == null ? what : group + ": " + what;
    }

    /** The summed (not yet averaged) results of every worker for round {@code round} of {@code epoch}. */
    public RoundResult round(ModelState state, JavaRDD<ExampleBlock> shards, int epoch, int round) {
        Broadcast<ModelState> shared = sc.broadcast(state);
        AveragingSettings s = settings;
        try {
            return shards
                    .map(block -> workerRound(shared.value(), block, s, epoch, round))
                    .treeReduce(RoundResult::plus, s.aggregationDepth());
        } finally {
            shared.destroy();
        }
    }

    /** What one worker does in a round: its slice of this epoch's order of its shard. */
    public static RoundResult workerRound(ModelState state, ExampleBlock shard, AveragingSettings s,
                                          int epoch, int round) {
        NativeBackend.init(s.workerThreads());
        TaskGpu.bind();
        int[] order = WorkerStep.epochOrder(shard, s.seed(), epoch);
        int from = Math.min(round * s.examplesPerWorkerRound(), shard.size());
        int to = Math.min(from + s.examplesPerWorkerRound(), shard.size());
        long augmentSeed = s.seed() ^ (epoch * 0x9E3779B97F4A7C15L) ^ (shard.size() == 0 ? 0 : shard.ids()[0] << 20);
        RoundResult result = WorkerStep.fit(state, shard, order, from, to, s.batchSizePerWorker(), s.classes(),
                s.preprocessing(), augmentSeed);
        return s.averageUpdater() ? result : result.withoutUpdaterState();
    }

    private static ModelState average(ModelState state, RoundResult sum, int epoch, int round) {
        if (sum.workers() == 0) {
            throw new IllegalStateException("no worker had data in epoch " + epoch + " round " + (round + 1));
        }
        float[] params = sum.averageParams();
        if (!Double.isFinite(sum.meanLoss()) || !allFinite(params)) {
            throw new DivergenceException(String.format(
                    "training diverged in epoch %d round %d: mean loss %s%s; lower the learning rate",
                    epoch, round + 1, sum.meanLoss(), allFinite(params) ? "" : ", parameters not finite"));
        }
        int iterations = (sum.minibatches() + sum.workers() - 1) / sum.workers();
        // without updater averaging, every round starts from the run's initial updater state
        float[] updater = sum.updaterSum().length == 0 ? state.updaterState() : sum.averageUpdaterState();
        return state.withWeights(params, updater, state.iteration() + iterations);
    }

    private static boolean allFinite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }
}
