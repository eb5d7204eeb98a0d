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
import sparkcnn.driver.collective.DriverLink;
import sparkcnn.driver.data.DataException;
import sparkcnn.driver.data.Shard;
import sparkcnn.driver.data.StreamedShard;
import sparkcnn.driver.eval.DistributedEvaluation;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.optim.LearningRateSchedule;
import sparkcnn.kernels.train.ModelState;

/**
 * One barrier task of {@link AllReduceEngine}: a worker that joins the ring once and then does what
 * the driver's commands say, epoch after epoch, holding the averaged state between them: fit rounds
 * ({@link RingRounds}; of a new streamed shard where the epoch's files were dealt afresh), score its
 * test shard with the state it holds, or leave. The state's broadcast
 * is read while the ring forms. Its result is partition 0's reason for ending early, if any.
 */
final class RingWorker extends AbstractFunction1<Iterator<RingWorker.Shards>, Iterator<RingWorker.End>>
        implements Serializable {

    /** A worker's training shard and, where the ring also evaluates, its test shard (else null). */
    record Shards(Shard train, Shard test) implements Serializable {
    }

    /** Why the worker ended before the driver said so (divergence, no data), from partition 0; null if it did not. */
    record End(RuntimeException failure) implements Serializable {
    }

    /** How the workers train and score, and where the driver's coordinator listens. */
    record Plan(AveragingSettings settings, LearningRateSchedule schedule, boolean overlap,
                DistributedEvaluation.Scoring scoring, Coordinator.Contact coordinator, int timeoutSeconds)
            implements Serializable {

        /** The same plan, the coordinator reached through {@code contact}. */
        Plan at(Coordinator.Contact contact) {
            return new Plan(settings, schedule, overlap, scoring, contact, timeoutSeconds);
        }
    }

    private final Broadcast<ModelState> start;
    private final Plan plan;

    RingWorker(Broadcast<ModelState> start, Plan plan) {
        this.start = start;
        this.plan = plan;
    }

    @Override
    public Iterator<End> apply(Iterator<Shards> shards) {
        BarrierTaskContext task = BarrierTaskContext.get();
        Shards mine = shards.next();
        End end = WorkerMemory.asTaskFailure(() -> work(task, mine));
        List<End> result = task.partitionId() == 0 ? List.of(end) : Collections.emptyList();
        return JavaConverters.asScalaIterator(result.iterator());
    }

    private End work(BarrierTaskContext task, Shards shards) {
        NativeBackend.init(plan.settings().workerThreads());
        TaskGpu.bind();
        int partition = task.partitionId();
        try (var driver = DriverLink.connect(plan.coordinator(), task.stageAttemptNumber(), partition,
                plan.timeoutSeconds());
             var ring = RingAveraging.join(driver.trackerArgs(), String.valueOf(partition), plan.timeoutSeconds(),
                     plan.settings().averageUpdater())) {
            var rounds = new RingRounds(plan, driver, ring, partition == 0);
            ModelState state = start.value(); // read while the ring forms
            Shard train = shards.train();
            while (true) {
                RingCommand command = RingCommand.decode(driver.nextCommand());
                if (command instanceof RingCommand.Fit fit) {
                    if (fit.plan().length > 0) { // a streamed epoch dealt afresh: this worker's files of it
                        train = ((StreamedShard) train).withPlan(fit.plan());
                    }
                    try {
                        state = rounds.fit(fit, state, train);
                    } catch (DivergenceException | DataException e) { // every worker sees the same sums: all end here
                        return new End(e);
                    }
                } else if (command instanceof RingCommand.Evaluate) {
                    rounds.report(RingReports.encode(plan.scoring().score(state, shards.test())));
                } else {
                    return new End(null);
                }
            }
        }
    }
}
