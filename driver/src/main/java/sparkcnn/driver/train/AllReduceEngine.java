package sparkcnn.driver.train;

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
import sparkcnn.driver.Causes;
import sparkcnn.driver.WorkerMemory;
import sparkcnn.driver.collective.Coordinator;
import sparkcnn.driver.collective.RingException;
import sparkcnn.driver.data.DataException;
import sparkcnn.driver.data.Shard;
import sparkcnn.kernels.optim.LearningRateSchedule;
import sparkcnn.kernels.train.ModelState;

/**
 * Synchronous averaging without the driver in the path ({@code train.engine = allreduce}): one Spark
 * barrier stage per epoch runs a task per worker, the tasks sum their state in a ring all-reduce
 * (XGBoost4J's collective) after each round, and every worker goes on from the same average. The
 * driver broadcasts the state once per epoch and receives it only where it needs it: at checkpoint
 * rounds and the epoch's end (evaluation, model.zip), sent by one worker beside its round's report
 * while the ring goes on. It follows every round by the workers' small reports, so progress,
 * metrics, stopping and resuming are those of the other engines.
 *
 * <p>A killed executor fails the stage (Spark never reruns a barrier stage that returns results), and
 * the driver starts the ring again from the last state it holds (the last checkpoint round, or the
 * epoch's start), with a tracker of its own; the rounds after that state are fitted again from it
 * (their data order follows from the seed, epoch and round), reported once. So the model loses no example and fits
 * none twice; a resume after the driver's death starts from the last checkpoint, as with the other
 * engines.
 */
public final class AllReduceEngine implements Engine {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AllReduceEngine.class);
    /** Restarts of the ring in a row without a new state in between before the run gives up. */
    private static final int MAX_RESTARTS = 3;
    private final JavaSparkContext sc;
    private final AveragingSettings settings;
    private final int checkpointEveryRounds;
    private final int timeoutSeconds;
    private final StopRequest stop;

    /**
     * An engine that hands the state to the driver every {@code checkpointEveryRounds}-th round (0:
     * at epoch ends only), whose workers and driver wait {@code timeoutSeconds} for each other at
     * most, and which a {@code stop} ends after the round in flight, with its state.
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
        var progress = new Progress(start.withEpoch(epoch), firstRound - 1);
        if (firstRound >= rounds) {
            return progress.state;
        }
        for (int lostInARow = 0; ; ) {
            int from = progress.stateRound + 1;
            if (fitSegment(shards, new RingSegment.Rounds(epoch, from, rounds, rounds, checkpointEveryRounds, null,
                    timeoutSeconds), schedule, listener, progress)) {
                return progress.state;
            }
            lostInARow = progress.stateRound >= from ? 1 : lostInARow + 1; // a new state since: count afresh
            if (lostInARow > MAX_RESTARTS) {
                log.error("the ring failed {} times in a row in epoch {} without a new state in between", lostInARow,
                        epoch);
                throw AllReduceEngine.<RuntimeException>rethrow(progress.failure);
            }
            log.warn("the ring failed in epoch {} after round {} ({}): it starts again from round {}, after the "
                    + "last state the driver holds", epoch, progress.delivered + 1,
                    String.valueOf(progress.failure.getMessage()).lines().findFirst().orElse(""),
                    progress.stateRound + 2);
        }
    }

    /**
     * What the driver holds of an epoch: the last state it received and the round that state ends
     * (the round before the first, for the epoch's starting state), and the last round it reported.
     */
    private static final class Progress {
        ModelState state;
        int stateRound;
        int delivered;
        /** Why the last segment failed, where the ring starts again. */
        Throwable failure;

        Progress(ModelState state, int stateRound) {
            this.state = state;
            this.stateRound = stateRound;
            this.delivered = stateRound;
        }
    }

    /**
     * One barrier stage from {@code progress}'s state: true when it ran to its last round (or a stop),
     * false when it failed in a way the ring may recover from by starting again from the state held.
     */
    private boolean fitSegment(JavaRDD<Shard> shards, RingSegment.Rounds planned, LearningRateSchedule schedule,
                               AveragingTrainer.RoundListener listener, Progress progress) {
        Broadcast<ModelState> shared = sc.broadcast(progress.state);
        String host = sc.getConf().get("spark.driver.host", "127.0.0.1");
        try (var coordinator = Coordinator.start(host, settings.workers(), timeoutSeconds, planned.from())) {
            var r = planned.at(coordinator.contact());
            sc.setJobDescription(Engine.jobDescription(sc, String.format("epoch %d rounds %d-%d (all-reduce)", r.epoch(),
                    r.from() + 1, r.to())));
            JavaFutureAction<List<RingSegment.End>> job = barrierStage(shards,
                    new RingSegment(shared, settings, schedule, r)).collectAsync();
            Runnable cancel = stop.interruptWith(coordinator::requestStop);
            try {
                return follow(coordinator, job, r, schedule, listener, progress);
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

    /**
     * Reports each round of the segment as its workers finish it (those reported before a restart
     * once only), keeping the state where partition 0 sent it (checkpoint rounds, the last round, a
     * stop); returns whether the segment ran to its end.
     */
    private boolean follow(Coordinator coordinator, JavaFutureAction<List<RingSegment.End>> job,
                           RingSegment.Rounds r, LearningRateSchedule schedule,
                           AveragingTrainer.RoundListener listener, Progress progress) {
        long t0 = System.nanoTime();
        for (int round = r.from(); ; round++) {
            Optional<List<byte[]>> reports = awaitRound(coordinator, job);
            if (reports.isEmpty()) {
                return ended(job, r.epoch(), round, progress);
            }
            var workers = reports.get().stream().map(RingSegment.Report::decode).toList();
            ModelState state = workers.get(0).state(); // partition 0's report
            if (state != null) {
                progress.state = state;
                progress.stateRound = round;
            }
            if (round > progress.delivered) {
                var sum = workers.stream().map(RingSegment.Report::worker).reduce(AveragingTrainer.WorkerSum::plus)
                        .orElseThrow();
                long now = System.nanoTime();
                listener.afterRound(new RoundReport(r.epoch(), round + 1, r.rounds(), sum.result().meanLoss(),
                        sum.result().examples(), (now - t0) / 1e9, schedule.rate(r.epoch(), round, r.rounds()),
                        sum.result().fitSeconds(), sum.rejected()), state);
                progress.delivered = round;
                t0 = now;
            }
            if (workers.get(0).last()) { // the segment's end, or a stop: the listener ends the run after it
                return true;
            }
        }
    }

    private Optional<List<byte[]>> awaitRound(Coordinator coordinator, JavaFutureAction<?> job) {
        try {
            return coordinator.nextStep(job, TimeUnit.SECONDS.toNanos(timeoutSeconds));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RingException("interrupted while waiting for the workers' round", e);
        }
    }

    /**
     * The job ended before every worker reported {@code round}. A lost executor or a broken ring
     * returns false (recorded in {@code progress}): the ring starts again. The workers' own reasons
     * (divergence, bad data, out of memory) are thrown: they would only happen again.
     */
    private boolean ended(JavaFutureAction<List<RingSegment.End>> job, int epoch, int round, Progress progress) {
        try {
            RingSegment.End end = job.get(timeoutSeconds, TimeUnit.SECONDS).get(0);
            throw end.failure() != null ? end.failure() : new IllegalStateException(
                    "the ring workers ended epoch " + epoch + " without reporting round " + (round + 1));
        } catch (ExecutionException e) {
            Throwable failure = e.getCause();
            if (WorkerMemory.outOfMemory(failure).isPresent()
                    || Causes.of(failure).stream().anyMatch(DataException.class::isInstance)) {
                throw AllReduceEngine.<RuntimeException>rethrow(failure);
            }
            progress.failure = failure;
            return false;
        } catch (TimeoutException e) {
            throw new RingException("the ring workers stopped reporting in epoch " + epoch + " round " + (round + 1)
                    + " but did not end within " + timeoutSeconds + " s (train.allreduce.timeout)", e);
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

}
