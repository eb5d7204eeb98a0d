package sparkcnn.driver.train;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.broadcast.Broadcast;
import scala.collection.Iterator;
import scala.collection.JavaConverters;
import scala.runtime.AbstractFunction1;
import sparkcnn.driver.TaskGpu;
import sparkcnn.driver.WorkerMemory;
import sparkcnn.driver.collective.Coordinator;
import sparkcnn.driver.collective.Ring;
import sparkcnn.driver.data.DataException;
import sparkcnn.driver.data.Shard;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.train.ModelState;
import sparkcnn.kernels.train.RoundResult;

/**
 * One barrier task of {@link AllReduceEngine}: rounds {@code from..to-1} of an epoch on one worker's
 * shard. Every round the worker fits its slice exactly as {@link AveragingTrainer}'s workers do, the
 * ring sums the workers' parameters, updater states and counts, and each worker divides by itself:
 * all hold the same averaged state, which never leaves the executors until the segment ends (then
 * partition 0 returns it). After each round the worker tells the driver its loss, counts and
 * rejected files. A stop the driver asks for travels in the sum too, so every worker ends after
 * the same round.
 */
final class RingSegment extends AbstractFunction1<Iterator<Shard>, Iterator<RingSegment.End>>
        implements Serializable {

    /** What the segment ended with: the averaged state, or why training must stop (divergence, no data). */
    record End(ModelState state, RuntimeException failure) implements Serializable {
    }

    /** A worker's report of a round: its counts and rejected files; {@code last}: the ring ends here on request. */
    record Report(AveragingTrainer.WorkerSum worker, boolean last) implements Serializable {
    }

    /** Which rounds of which epoch, and where the driver's coordinator listens. */
    record Rounds(int epoch, int from, int to, int rounds, String coordinator, int timeoutSeconds)
            implements Serializable {
    }

    private final Broadcast<ModelState> start;
    private final AveragingSettings settings;
    private final LearningRateSchedule schedule;
    private final Rounds rounds;

    RingSegment(Broadcast<ModelState> start, AveragingSettings settings, LearningRateSchedule schedule, Rounds rounds) {
        this.start = start;
        this.settings = settings;
        this.schedule = schedule;
        this.rounds = rounds;
    }

    @Override
    public Iterator<End> apply(Iterator<Shard> shards) {
        BarrierTaskContext task = BarrierTaskContext.get();
        Shard shard = shards.next();
        End end = WorkerMemory.asTaskFailure(() -> fit(task, shard));
        List<End> result = task.partitionId() == 0 ? List.of(end) : Collections.emptyList();
        return JavaConverters.asScalaIterator(result.iterator());
    }

    private End fit(BarrierTaskContext task, Shard shard) {
        NativeBackend.init(settings.workerThreads());
        TaskGpu.bind();
        Rounds r = rounds;
        try (var driver = Coordinator.Client.connect(r.coordinator(), task.stageAttemptNumber(), task.partitionId(),
                r.timeoutSeconds());
             var ring = Ring.join(driver.trackerArgs(), String.valueOf(task.partitionId()), r.timeoutSeconds())) {
            ModelState state = start.value();
            for (int round = r.from(); round < r.to(); round++) {
                double rate = schedule.rate(r.epoch(), round, r.rounds());
                var mine = AveragingTrainer.workerRound(state.withLearningRate(rate), shard, settings, r.epoch(), round);
                float[] values = values(mine.result(), state, driver.stopRequested());
                ring.sum(values);
                RoundResult sum = sum(values, state);
                try {
                    state = AveragingTrainer.average(state, sum, r.epoch(), round, mine.rejected());
                } catch (DivergenceException | DataException e) { // every worker sees the same sums: all stop here
                    return new End(null, e);
                }
                boolean stop = values[values.length - 1] > 0; // some worker was asked to stop: all end here
                driver.report(round, new Report(mine.withoutArrays(), stop));
                if (stop) {
                    break;
                }
            }
            return new End(state, null);
        }
    }

    /**
     * What a worker adds to the ring's sum: its parameters, its updater state where that is
     * averaged, then its loss sum, minibatches, examples, 1 (a worker with no data left adds zeros),
     * and 1 where the driver asked it to stop.
     */
    private float[] values(RoundResult mine, ModelState state, boolean stopRequested) {
        int params = state.params().length;
        int updater = settings.averageUpdater() ? state.updaterState().length : 0;
        int counts = params + updater;
        float[] values = new float[counts + 5];
        if (mine.workers() > 0) {
            System.arraycopy(mine.paramSum(), 0, values, 0, params);
            System.arraycopy(mine.updaterSum(), 0, values, params, updater);
        }
        values[counts] = (float) mine.lossSum();
        values[counts + 1] = mine.minibatches();
        values[counts + 2] = mine.examples();
        values[counts + 3] = mine.workers();
        values[counts + 4] = stopRequested ? 1 : 0;
        return values;
    }

    /** The ring's sum as the workers' summed result. */
    private RoundResult sum(float[] values, ModelState state) {
        int params = state.params().length;
        int counts = values.length - 5;
        return new RoundResult(Arrays.copyOf(values, params), Arrays.copyOfRange(values, params, counts),
                Math.round(values[counts + 3]), values[counts], Math.round(values[counts + 1]),
                Math.round(values[counts + 2]), 0);
    }
}
