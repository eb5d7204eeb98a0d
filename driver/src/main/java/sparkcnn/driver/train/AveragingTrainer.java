package sparkcnn.driver.train;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import sparkcnn.driver.TaskGpu;
import sparkcnn.driver.WorkerMemory;
import sparkcnn.driver.data.CachedShard;
import sparkcnn.driver.data.DataException;
import sparkcnn.driver.data.Shard;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.data.ExampleBlock;
import sparkcnn.kernels.optim.LearningRateSchedule;
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
public final class AveragingTrainer implements Engine {
    private final JavaSparkContext sc;
    private final AveragingSettings settings;

    public AveragingTrainer(JavaSparkContext sc, AveragingSettings settings) {
        this.sc = sc;
        this.settings = settings;
    }

    /**
     * Called after each round with its report and the averaged state it produced; the state is null
     * where the engine keeps it on the workers (all-reduce: every round but a segment's last).
     */
    @FunctionalInterface
    public interface RoundListener {
        void afterRound(RoundReport report, ModelState state);
    }

    /** One pass of every worker over its block in memory at the state's own learning rate. */
    public ModelState fitEpoch(ModelState start, JavaRDD<ExampleBlock> blocks, int largestShard, int epoch,
                               Consumer<RoundReport> onRound) {
        return fitEpoch(start, cached(blocks), largestShard, epoch, 0,
                LearningRateSchedule.constant(start.learningRate(), Math.max(1, epoch)), (r, s) -> onRound.accept(r));
    }

    /** Blocks in memory as shards. */
    public static JavaRDD<Shard> cached(JavaRDD<ExampleBlock> blocks) {
        return blocks.map(b -> (Shard) new CachedShard(b));
    }

    /**
     * Rounds {@code firstRound..} of one pass of every worker over its shard, each at the schedule's
     * learning rate; returns the averaged state after the last round.
     */
    public ModelState fitEpoch(ModelState start, JavaRDD<Shard> shards, int largestShard, int epoch,
                               int firstRound, LearningRateSchedule schedule, RoundListener listener) {
        return fitRounds(start, shards, settings.roundsPerEpoch(largestShard), epoch, firstRound, schedule, listener);
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
            WorkerSum sum = roundWithRejects(state.withLearningRate(rate), shards, epoch, round);
            state = average(state, sum.result(), epoch, round, sum.rejected());
            listener.afterRound(new RoundReport(epoch, round + 1, rounds, sum.result().meanLoss(),
                    sum.result().examples(), (System.nanoTime() - t0) / 1e9, rate, sum.result().fitSeconds(),
                    sum.rejected()), state);
        }
        return state;
    }


    /** The summed (not yet averaged) results of every worker for round {@code round} of {@code epoch}. */
    public RoundResult round(ModelState state, JavaRDD<Shard> shards, int epoch, int round) {
        return roundWithRejects(state, shards, epoch, round).result();
    }

    /** The workers' summed results of a round, and the files they rejected in it. */
    record WorkerSum(RoundResult result, List<String> rejected) implements java.io.Serializable {
        /** This worker's counts and rejected files without its arrays: what a ring worker reports to the driver. */
        WorkerSum withoutArrays() {
            var r = result;
            return new WorkerSum(new RoundResult(new float[0], new float[0], r.workers(), r.lossSum(), r.minibatches(),
                    r.examples(), r.fitSeconds()), rejected);
        }

        WorkerSum plus(WorkerSum other) {
            List<String> all = new ArrayList<>(rejected);
            all.addAll(other.rejected);
            return new WorkerSum(result.plus(other.result), all);
        }
    }

    private WorkerSum roundWithRejects(ModelState state, JavaRDD<Shard> shards, int epoch, int round) {
        Broadcast<ModelState> shared = sc.broadcast(state);
        AveragingSettings s = settings;
        try {
            return shards
                    .map(shard -> WorkerMemory.asTaskFailure(
                            () -> workerRound(shared.value(), shard, s, epoch, round)))
                    .treeReduce(WorkerSum::plus, s.aggregationDepth());
        } finally {
            shared.destroy();
        }
    }

    /** What one worker does in a round: its slice of this epoch's order of its shard. */
    static WorkerSum workerRound(ModelState state, Shard shard, AveragingSettings s, int epoch, int round) {
        NativeBackend.init(s.workerThreads());
        TaskGpu.bind();
        int from = Math.min(round * s.examplesPerWorkerRound(), shard.size());
        int to = Math.min(from + s.examplesPerWorkerRound(), shard.size());
        Shard.Slice slice = shard.slice(s.seed(), epoch, from, to);
        ExampleBlock examples = slice.examples();
        RoundResult result = WorkerStep.fit(state, examples, examples.storedOrder(), 0, examples.size(),
                s.batchSizePerWorker(), s.classes(), s.preprocessing(), s.augmentSeed(epoch, shard) + from);
        return new WorkerSum(s.averageUpdater() ? result : result.withoutUpdaterState(),
                new ArrayList<>(slice.rejected()));
    }

    /**
     * The state after a round: the workers' sums divided by their number; a round nobody could fit,
     * or one that diverged, ends training.
     */
    static ModelState average(ModelState state, RoundResult sum, int epoch, int round, List<String> rejected) {
        requireWorkers(sum.workers(), epoch, round, rejected);
        // without updater averaging, every round starts from the run's initial updater state
        float[] updater = sum.updaterSum().length == 0 ? state.updaterState() : sum.averageUpdaterState();
        return next(state, sum, sum.averageParams(), updater, epoch, round);
    }

    static void requireWorkers(int workers, int epoch, int round, List<String> rejected) {
        if (workers == 0) {
            throw new DataException("no worker had an example to fit in epoch " + epoch + " round " + (round + 1)
                    + (rejected.isEmpty() ? "" : ": every file of the round was rejected, e.g. " + rejected.get(0)));
        }
    }

    /**
     * The state after a round from the workers' mean parameters and updater state, and the counts
     * of {@code sum}; a non-finite loss or parameter ends training.
     */
    static ModelState next(ModelState state, RoundResult sum, float[] params, float[] updater, int epoch, int round) {
        if (!Double.isFinite(sum.meanLoss()) || !allFinite(params)) {
            throw new DivergenceException(String.format(
                    "training diverged in epoch %d round %d: mean loss %s%s; lower the learning rate",
                    epoch, round + 1, sum.meanLoss(), allFinite(params) ? "" : ", parameters not finite"));
        }
        int iterations = (sum.minibatches() + sum.workers() - 1) / sum.workers();
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
