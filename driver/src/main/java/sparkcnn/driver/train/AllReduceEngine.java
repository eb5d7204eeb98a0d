package sparkcnn.driver.train;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import sparkcnn.driver.Causes;
import sparkcnn.driver.WorkerMemory;
import sparkcnn.driver.collective.RingException;
import sparkcnn.driver.data.DataException;
import sparkcnn.driver.data.EpochData;
import sparkcnn.driver.data.Shard;
import sparkcnn.driver.data.StreamedShard;
import sparkcnn.driver.eval.DistributedEvaluation;
import sparkcnn.kernels.optim.LearningRateSchedule;
import sparkcnn.kernels.train.ModelState;

/**
 * Synchronous averaging without the driver in the path ({@code train.engine = allreduce}): a Spark
 * barrier stage runs a task per worker, the tasks sum their state in a ring all-reduce (XGBoost4J's
 * collective) after each round, and every worker goes on from the same average. The ring forms once
 * and stays up for the run ({@link RingStage}): the driver tells it to fit an epoch's rounds, then to
 * score the test shards with the state it holds, then the next epoch's rounds. The driver broadcasts
 * the state when a ring forms and receives it only where it needs it: at checkpoint rounds and an
 * epoch's end (model.zip), sent by one worker beside its round's report while the ring goes on. It
 * follows every round by the workers' small reports, so progress, metrics, stopping and resuming
 * are those of the other engines.
 *
 * <p>A streamed epoch's new deal of files travels to the ring's workers with its command (each
 * worker its own plan); the ring forms again where it cannot go on: shards decoded afresh into
 * memory each epoch (a Spark job of their own), or a lost executor. A killed executor fails the stage (Spark never reruns a barrier stage that
 * returns results), and the driver starts the ring again from the last state it holds (the last
 * checkpoint round, or the epoch's start), with a tracker of its own; the rounds after that state are
 * fitted again from it (their data order follows from the seed, epoch and round), reported once. So
 * the model loses no example and fits none twice; a resume after the driver's death starts from the
 * last checkpoint, as with the other engines.
 */
public final class AllReduceEngine implements Engine {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AllReduceEngine.class);
    /** Restarts of the ring in a row without a new state in between before the run gives up. */
    private static final int MAX_RESTARTS = 3;
    private final JavaSparkContext sc;
    private final AveragingSettings settings;
    private final Options options;
    private final StopRequest stop;
    private final JavaRDD<Shard> test;
    private final DistributedEvaluation.Scoring scoring;
    private RingStage ring;
    /** The streamed plan of the epoch being fitted, where {@link #fitEpoch} was given one. */
    private List<StreamedShard> plan;

    /**
     * How the ring runs: the state goes to the driver every {@code checkpointEveryRounds}-th round (0:
     * at epoch ends only); workers and driver wait {@code timeoutSeconds} for each other at most;
     * {@code overlap} averages a round while the next one fits.
     */
    public record Options(int checkpointEveryRounds, int timeoutSeconds, boolean overlap) {
    }

    /**
     * An engine that a {@code stop} ends after the round in flight, with its state; whose ring also
     * scores {@code test} (null: evaluation in a job of its own) as {@code scoring} says.
     */
    public AllReduceEngine(JavaSparkContext sc, AveragingSettings settings, Options options, StopRequest stop,
                           JavaRDD<Shard> test, DistributedEvaluation.Scoring scoring) {
        this.sc = sc;
        this.settings = settings;
        this.options = options;
        this.stop = stop;
        this.test = test;
        this.scoring = scoring;
    }

    @Override
    public int roundsPerEpoch(int fullPass, RunSettings run) {
        return run.rounds(fullPass);
    }

    /** The epoch's rounds; a streamed epoch's plan goes to a ring that stays up instead of a new ring. */
    @Override
    public ModelState fitEpoch(ModelState start, EpochData.Epoch epoch, int rounds, int epochNumber, int firstRound,
                               LearningRateSchedule schedule, RoundListener listener) {
        plan = epoch.plan();
        try {
            return fitRounds(start, epoch.shards(), rounds, epochNumber, firstRound, schedule, listener);
        } finally {
            plan = null;
        }
    }

    @Override
    public ModelState fitRounds(ModelState start, JavaRDD<Shard> shards, int rounds, int epoch, int firstRound,
                                LearningRateSchedule schedule, RoundListener listener) {
        var progress = new Progress(start, firstRound - 1);
        if (firstRound >= rounds) {
            return start.withEpoch(epoch);
        }
        var work = new RingWorker.Plan(settings, schedule, options.overlap(), scoring, null, options.timeoutSeconds());
        for (int lostInARow = 0; ; ) {
            int from = progress.stateRound + 1;
            var fit = new RingCommand.Fit(epoch, from, rounds, rounds, options.checkpointEveryRounds());
            if (fitOnRing(progress.state, shards, work, fit, listener, progress)) {
                ring.holding(progress.state);
                return progress.state;
            }
            closeRing();
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
        /** Why the ring failed, where it starts again. */
        Throwable failure;

        Progress(ModelState state, int stateRound) {
            this.state = state;
            this.stateRound = stateRound;
            this.delivered = stateRound;
        }
    }

    /** The ring, going on from {@code state} where it holds it, else formed anew from it. */
    private RingStage ringFrom(ModelState state, JavaRDD<Shard> shards, RingWorker.Plan work) {
        if (ring != null && !ring.continues(state, shards, plan)) {
            closeRing();
        }
        if (ring == null) {
            BarrierSlots.require(sc, settings.workers());
            ring = RingStage.start(sc, state, shards, plan != null, test, work, settings.workers());
        }
        return ring;
    }

    /**
     * The command's rounds on the ring from {@code state}: true when they ran to their last (or a
     * stop), false when the ring failed in a way it may recover from by starting again from the state held.
     */
    private boolean fitOnRing(ModelState state, JavaRDD<Shard> shards, RingWorker.Plan work, RingCommand.Fit fit,
                              RoundListener listener, Progress progress) {
        RingStage stage = ringFrom(state, shards, work);
        sc.setJobDescription(Engine.jobDescription(sc, "all-reduce ring"));
        stage.send(fit, shards, plan);
        Runnable cancel = stop.interruptWith(stage.coordinator()::requestStop);
        try {
            return follow(stage, fit, work.schedule(), listener, progress);
        } finally {
            stop.interruptWith(cancel);
        }
    }

    /**
     * Reports each round of the command as its workers finish it (those reported before a restart
     * once only), keeping the state where partition 0 sent it (checkpoint rounds, the last round, a
     * stop); returns whether the rounds ran to their end.
     */
    private boolean follow(RingStage stage, RingCommand.Fit fit, LearningRateSchedule schedule,
                           RoundListener listener, Progress progress) {
        long t0 = System.nanoTime();
        for (int round = fit.from(); ; round++) {
            Optional<List<byte[]>> reports = stage.nextStep();
            if (reports.isEmpty()) {
                return ended(stage, fit.epoch(), round, progress);
            }
            var workers = reports.get().stream().map(RingReports::decodeRound).toList();
            ModelState state = workers.get(0).state(); // partition 0's report
            if (state != null) {
                progress.state = state;
                progress.stateRound = round;
            }
            if (round > progress.delivered) {
                var sum = workers.stream().map(RingReports.Round::worker).reduce(WorkerRound::plus).orElseThrow();
                long now = System.nanoTime();
                listener.afterRound(new RoundReport(fit.epoch(), round + 1, fit.rounds(), sum.result().meanLoss(),
                        sum.result().examples(), (now - t0) / 1e9, schedule.rate(fit.epoch(), round, fit.rounds()),
                        sum.result().fitSeconds(), sum.rejected()), state);
                progress.delivered = round;
                t0 = now;
            }
            if (workers.get(0).last()) { // the command's end, or a stop: the listener ends the run after it
                return true;
            }
        }
    }

    /** Scored on the ring's own tasks where it holds {@code state} and those test shards; else in a job of its own. */
    @Override
    public DistributedEvaluation.Scored score(JavaSparkContext sc, ModelState state, JavaRDD<Shard> shards,
                                              DistributedEvaluation.Scoring scoring) {
        if (ring != null && ring.evaluates(state, shards)) {
            ring.send(new RingCommand.Evaluate());
            Optional<List<byte[]>> reports = ring.nextStep();
            if (reports.isPresent()) {
                ring.holding(state);
                return reports.get().stream().map(RingReports::decodeScored)
                        .reduce(scoring.nothing(), DistributedEvaluation.Scored::plus);
            }
            if (stop.requested()) {
                throw new RingException("stopped while the ring scored the test set");
            }
            log.warn("the ring was lost while it scored the test set: scoring it in a job of its own");
        }
        closeRing(); // its tasks hold every slot
        return Engine.super.score(sc, state, shards, scoring);
    }

    /**
     * The ring ended before every worker reported {@code round}. A lost executor or a broken ring
     * returns false (recorded in {@code progress}): the ring starts again. The workers' own reasons
     * (divergence, bad data, out of memory) are thrown: they would only happen again.
     */
    private boolean ended(RingStage stage, int epoch, int round, Progress progress) {
        try {
            RingWorker.End end = stage.job().get(options.timeoutSeconds(), TimeUnit.SECONDS).get(0);
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
                    + " but did not end within " + options.timeoutSeconds() + " s (train.allreduce.timeout)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RingException("interrupted while waiting for the ring workers", e);
        }
    }

    private void closeRing() {
        if (ring != null) {
            ring.close();
            ring = null;
        }
    }

    /** The workers leave the ring; it forms again for the next rounds. */
    @Override
    public void yieldSlots() {
        closeRing();
    }

    /** Spark's exceptions are checked but thrown undeclared; the run handles them as it does the other engines'. */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E rethrow(Throwable e) throws E {
        throw (E) e;
    }
}
