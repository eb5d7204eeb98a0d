package sparkcnn.driver.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import sparkcnn.driver.TaskGpu;
import sparkcnn.driver.data.Shard;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.data.ExampleBlock;
import sparkcnn.kernels.train.RoundResult;
import sparkcnn.kernels.train.ModelState;
import sparkcnn.kernels.train.WorkerStep;

/**
 * What workers fit in a round, summed over any number of them: their parameters, updater states and
 * counts ({@link RoundResult}), and the files they rejected. Every engine's worker fits its round here.
 */
record WorkerRound(RoundResult result, List<String> rejected) implements Serializable {

    /**
     * One worker's round {@code round} of {@code epoch} from {@code state}: its slice of the epoch's
     * order of its shard, which depends only on (seed, epoch, shard), so any executor fits the same.
     */
    static WorkerRound fit(ModelState state, Shard shard, AveragingSettings s, int epoch, int round) {
        return fit(state, shard, s, epoch, round, null);
    }

    /** As above, with {@code midway} applied halfway through the worker's minibatches ({@link WorkerStep.Midway}). */
    static WorkerRound fit(ModelState state, Shard shard, AveragingSettings s, int epoch, int round,
                           WorkerStep.Midway midway) {
        NativeBackend.init(s.workerThreads());
        TaskGpu.bind();
        int from = Math.min(round * s.examplesPerWorkerRound(), shard.size());
        int to = Math.min(from + s.examplesPerWorkerRound(), shard.size());
        Shard.Slice slice = shard.slice(s.seed(), epoch, from, to);
        ExampleBlock examples = slice.examples();
        RoundResult result = WorkerStep.fit(state, examples, examples.storedOrder(), 0, examples.size(),
                s.batchSizePerWorker(), s.classes(), s.preprocessing(), s.augmentSeed(epoch, shard) + from, midway);
        return new WorkerRound(s.averageUpdater() ? result : result.withoutUpdaterState(),
                new ArrayList<>(slice.rejected()));
    }

    /** This worker's counts and rejected files without its arrays: what a ring worker reports to the driver. */
    WorkerRound withoutArrays() {
        var r = result;
        return new WorkerRound(new RoundResult(new float[0], new float[0], r.workers(), r.lossSum(), r.minibatches(),
                r.examples(), r.fitSeconds()), rejected);
    }

    WorkerRound plus(WorkerRound other) {
        List<String> all = new ArrayList<>(rejected);
        all.addAll(other.rejected);
        return new WorkerRound(result.plus(other.result), all);
    }
}
