package sparkcnn.driver.train;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
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
import sparkcnn.driver.collective.Ring;
import sparkcnn.driver.collective.RingException;
import sparkcnn.driver.data.DataException;
import sparkcnn.driver.data.Shard;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.optim.LearningRateSchedule;
import sparkcnn.kernels.train.ModelState;
import sparkcnn.kernels.train.RoundResult;

/**
 * One barrier task of {@link AllReduceEngine}: rounds {@code from..to-1} of an epoch on one worker's
 * shard. Every round the worker fits its slice exactly as {@link AveragingTrainer}'s workers do, the
 * ring sums the workers' parameters, updater states and counts, and each worker divides by itself:
 * all hold the same averaged state, which stays on the executors. After each round every worker
 * tells the driver its loss, counts and rejected files; where the driver needs the state (a
 * checkpoint round, the last round, a stop), partition 0 sends it along. A stop the driver asks for
 * travels in the sum too, so every worker ends after the same round.
 */
final class RingSegment extends AbstractFunction1<Iterator<Shard>, Iterator<RingSegment.End>>
        implements Serializable {

    /** Why the segment ended before its last round (divergence, no data), from partition 0; null if it did not. */
    record End(RuntimeException failure) implements Serializable {
    }

    /**
     * A worker's report of a round: its counts and rejected files; {@code last}: the ring ends after
     * it (the segment's end or a stop); {@code state}: the averaged state, from partition 0 where the
     * driver needs it, else null.
     */
    record Report(AveragingTrainer.WorkerSum worker, boolean last, ModelState state) {

        /** Field by field, never Java serialisation: the driver reads it from a socket ({@code Coordinator}). */
        byte[] encode() {
            var bytes = new ByteArrayOutputStream();
            try (var out = new DataOutputStream(bytes)) {
                RoundResult r = worker.result();
                out.writeInt(r.workers());
                out.writeDouble(r.lossSum());
                out.writeInt(r.minibatches());
                out.writeLong(r.examples());
                out.writeDouble(r.fitSeconds());
                out.writeInt(worker.rejected().size());
                for (String file : worker.rejected()) {
                    out.writeUTF(file);
                }
                out.writeBoolean(last);
                out.writeBoolean(state != null);
                if (state != null) {
                    state.writeTo(out);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e); // a byte array does not fail
            }
            return bytes.toByteArray();
        }

        static Report decode(byte[] bytes) {
            try (var in = new DataInputStream(new ByteArrayInputStream(bytes))) {
                var result = new RoundResult(new float[0], new float[0], in.readInt(), in.readDouble(), in.readInt(),
                        in.readLong(), in.readDouble());
                int rejected = in.readInt();
                List<String> files = new ArrayList<>();
                for (int i = 0; i < rejected; i++) {
                    files.add(in.readUTF());
                }
                boolean last = in.readBoolean();
                ModelState state = in.readBoolean() ? ModelState.readFrom(in) : null;
                return new Report(new AveragingTrainer.WorkerSum(result, files), last, state);
            } catch (IOException e) {
                throw new RingException("a worker's report did not decode: " + e.getMessage(), e);
            }
        }
    }

    /**
     * Which rounds of which epoch, every how many rounds the driver needs the state (0: at the end
     * only), and where the driver's coordinator listens.
     */
    record Rounds(int epoch, int from, int to, int rounds, int stateEvery, Coordinator.Contact coordinator,
                  int timeoutSeconds) implements Serializable {

        /** The same rounds, the coordinator reached through {@code contact}. */
        Rounds at(Coordinator.Contact contact) {
            return new Rounds(epoch, from, to, rounds, stateEvery, contact, timeoutSeconds);
        }

        boolean stateNeededAfter(int round) {
            return round == to - 1 || stateEvery > 0 && (round + 1) % stateEvery == 0;
        }
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
        boolean sendsState = task.partitionId() == 0;
        try (var driver = DriverLink.connect(r.coordinator(), task.stageAttemptNumber(), task.partitionId(),
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
                    return new End(e);
                }
                state = averaged.state();
                boolean last = averaged.stop() || round == r.to() - 1;
                boolean withState = sendsState && (averaged.stop() || r.stateNeededAfter(round));
                driver.report(round, new Report(mine.withoutArrays(), last, withState ? state : null).encode());
                if (last) {
                    break;
                }
            }
            return new End(null);
        }
    }
}
