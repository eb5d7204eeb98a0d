package sparkcnn.driver.train;

import java.io.Serializable;
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
            var averaging = new RingAveraging(ring, settings.averageUpdater());
            ModelState state = start.value();
            for (int round = r.from(); round < r.to(); round++) {
                double rate = schedule.rate(r.epoch(), round, r.rounds());
                var mine = AveragingTrainer.workerRound(state.withLearningRate(rate), shard, settings, r.epoch(), round);
                RingAveraging.Averaged averaged;
                try {
                    averaged = averaging.average(state, mine.result(), driver.stopRequested(), r.epoch(), round,
                            mine.rejected());
                } catch (DivergenceException | DataException e) { // every worker sees the same sums: all stop here
                    return new End(null, e);
                }
                state = averaged.state();
                driver.report(round, new Report(mine.withoutArrays(), averaged.stop()));
                if (averaged.stop()) { // some worker was asked to stop: all end after this round
                    break;
                }
            }
            return new End(state, null);
        }
    }

}
