package sparkcnn.driver.train;

import java.io.Serializable;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.RDD;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import sparkcnn.driver.collective.Coordinator;
import sparkcnn.driver.collective.RingException;
import sparkcnn.driver.data.Shard;
import sparkcnn.kernels.train.ModelState;

/**
 * Synchronous averaging without the driver in the path ({@code train.engine = allreduce}): one Spark
 * barrier stage runs a task per worker, the tasks sum their state in a ring all-reduce (XGBoost4J's
 * collective) after each round, and every worker goes on from the same average. The driver
 * broadcasts the state once per segment and receives it once at the segment's end, where it needs
 * it: a checkpoint, or the epoch's end (evaluation, model.zip). In between it follows the rounds by
 * the workers' small reports, so progress, metrics and stopping are those of the other engines.
 *
 * <p>A killed executor fails the stage; Spark reruns all its tasks from the segment's start (the
 * rounds' data order follows from the seed, epoch and round), each attempt with its own tracker,
 * and the driver drops the rounds it already recorded. So no example is lost or fitted twice.
 */
public final class AllReduceEngine implements Engine {
    private final JavaSparkContext sc;
    private final AveragingSettings settings;
    private final int checkpointEveryRounds;
    private final int timeoutSeconds;
    private final StopRequest stop;

    /**
     * An engine whose segments end at every {@code checkpointEveryRounds}-th round (0: at epoch ends),
     * whose workers and driver wait {@code timeoutSeconds} for each other at most, and which a
     * {@code stop} ends after the round in flight, with its state.
     */
    public AllReduceEngine(JavaSparkContext sc, AveragingSettings settings, int checkpointEveryRounds,
                           int timeoutSeconds, StopRequest stop) {
        this.sc = sc;
        this.settings = settings;
        this.checkpointEveryRounds = checkpointEveryRounds;
        this.timeoutSeconds = timeoutSeconds;
        this.stop = stop;
    }

    @Override
    public int roundsPerEpoch(int fullPass, RunSettings run) {
        return run.rounds(fullPass);
    }

    @Override
    public ModelState fitRounds(ModelState start, JavaRDD<Shard> shards, int rounds, int epoch, int firstRound,
                                LearningRateSchedule schedule, AveragingTrainer.RoundListener listener) {
        BarrierSlots.require(sc, settings.workers());
        ModelState state = start.withEpoch(epoch);
        for (int from = firstRound; from < rounds; ) {
            int to = segmentEnd(from, rounds);
            state = fitSegment(state, shards, new RingSegment.Rounds(epoch, from, to, rounds, null, timeoutSeconds),
                    schedule, listener);
            from = to;
        }
        return state;
    }

    /** The round after {@code from} at which the driver needs the state: the next checkpoint, or the epoch's end. */
    int segmentEnd(int from, int rounds) {
        int every = checkpointEveryRounds;
        return every > 0 ? Math.min(rounds, (from / every + 1) * every) : rounds;
    }

    private ModelState fitSegment(ModelState state, JavaRDD<Shard> shards, RingSegment.Rounds r,
                                  LearningRateSchedule schedule, AveragingTrainer.RoundListener listener) {
        Broadcast<ModelState> shared = sc.broadcast(state);
        String host = sc.getConf().get("spark.driver.host", "127.0.0.1");
        try (var coordinator = Coordinator.start(host, settings.workers(), timeoutSeconds, r.from())) {
            var rounds = new RingSegment.Rounds(r.epoch(), r.from(), r.to(), r.rounds(), coordinator.address(),
                    timeoutSeconds);
            sc.setJobDescription(describe(String.format("epoch %d rounds %d-%d/%d (all-reduce)", r.epoch(),
                    r.from() + 1, r.to(), r.rounds())));
            JavaFutureAction<List<RingSegment.End>> job = barrierStage(shards,
                    new RingSegment(shared, settings, schedule, rounds)).collectAsync();
            Runnable cancel = stop.interruptWith(coordinator::requestStop);
            try {
                return follow(coordinator, job, rounds, schedule, listener);
            } finally {
                stop.interruptWith(cancel);
                if (!job.isDone()) {
                    job.cancel(true);
                }
            }
        } finally {
            shared.destroy();
        }
    }

    private static JavaRDD<RingSegment.End> barrierStage(JavaRDD<Shard> shards, RingSegment segment) {
        ClassTag<RingSegment.End> tag = ClassTag$.MODULE$.apply(RingSegment.End.class);
        RDD<RingSegment.End> stage = shards.rdd().barrier().mapPartitions(segment, false, tag);
        return new JavaRDD<>(stage, tag);
    }

    /** Reports each round of the segment as its workers finish it; the state with the last. */
    private ModelState follow(Coordinator coordinator, JavaFutureAction<List<RingSegment.End>> job,
                              RingSegment.Rounds r, LearningRateSchedule schedule,
                              AveragingTrainer.RoundListener listener) {
        long t0 = System.nanoTime();
        ModelState state = null;
        for (int round = r.from(); round < r.to(); round++) {
            Optional<List<Serializable>> reports = awaitRound(coordinator, job);
            if (reports.isEmpty()) {
                throw endedWithout(job, r.epoch(), round);
            }
            var workers = reports.get().stream().map(RingSegment.Report.class::cast).toList();
            var sum = workers.stream().map(RingSegment.Report::worker).reduce(AveragingTrainer.WorkerSum::plus)
                    .orElseThrow();
            boolean last = round == r.to() - 1 || workers.get(0).last(); // the segment's end, or a stop
            if (last) {
                state = end(job).state();
            }
            long now = System.nanoTime();
            listener.afterRound(new RoundReport(r.epoch(), round + 1, r.rounds(), sum.result().meanLoss(),
                    sum.result().examples(), (now - t0) / 1e9, schedule.rate(r.epoch(), round, r.rounds()),
                    sum.result().fitSeconds(), sum.rejected()), state);
            t0 = now;
            if (last) {
                break; // a stop: the listener ends the run after this round
            }
        }
        return state;
    }

    private Optional<List<Serializable>> awaitRound(Coordinator coordinator, JavaFutureAction<?> job) {
        try {
            return coordinator.nextStep(job, TimeUnit.SECONDS.toNanos(timeoutSeconds));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RingException("interrupted while waiting for the workers' round", e);
        }
    }

    /** The job ended before every worker reported {@code round}: why, in the workers' words. */
    private RuntimeException endedWithout(JavaFutureAction<List<RingSegment.End>> job, int epoch, int round) {
        RingSegment.End end = end(job);
        return end.failure() != null ? end.failure()
                : new IllegalStateException("the ring workers ended epoch " + epoch + " without reporting round "
                + (round + 1));
    }

    /** What partition 0 returned, the job's failure rethrown as Spark threw it. */
    private RingSegment.End end(JavaFutureAction<List<RingSegment.End>> job) {
        try {
            RingSegment.End end = job.get(timeoutSeconds, TimeUnit.SECONDS).get(0);
            if (end.failure() != null) {
                throw end.failure();
            }
            return end;
        } catch (ExecutionException e) {
            throw AllReduceEngine.<RuntimeException>rethrow(e.getCause());
        } catch (TimeoutException e) {
            throw new RingException("the ring workers reported their last round but did not end within "
                    + timeoutSeconds + " s (train.allreduce.timeout)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RingException("interrupted while waiting for the ring workers", e);
        }
    }

    /** Spark's exceptions are checked but thrown undeclared; the run handles them as it does the other engines'. */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E rethrow(Throwable e) throws E {
        throw (E) e;
    }

    private String describe(String what) {
        String group = sc.getLocalProperty("spark.jobGroup.id");
        return group == null ? what : group + ": " + what;
    }
}
