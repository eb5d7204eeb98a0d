package sparkcnn.driver.train;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.RDD;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import sparkcnn.driver.collective.Coordinator;
import sparkcnn.driver.collective.RingException;
import sparkcnn.driver.data.Shard;
import sparkcnn.driver.data.StreamedShard;
import sparkcnn.kernels.train.ModelState;

/**
 * The driver's side of one ring: a barrier stage of {@link RingWorker}s started from a state, its
 * coordinator, and what the workers hold. It stays up while the driver gives it commands (the rounds
 * of one epoch after another, evaluations) and goes when the run ends, the data changes, or a worker
 * is lost.
 */
final class RingStage implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RingStage.class);
    /** How long a closing ring's workers may take to leave before their stage is cancelled. */
    private static final long LEAVE_SECONDS = 30;

    private final Coordinator coordinator;
    private final Broadcast<ModelState> started;
    private final JavaFutureAction<List<RingWorker.End>> job;
    /** The training shards the workers hold: an RDD's, or a streamed epoch's plan sent since. */
    private int trainId;
    /** Whether the workers hold streamed shards, to which a later epoch's plan can be sent. */
    private final boolean streamed;
    private final Integer testId;
    private final int timeoutSeconds;
    /** The state every worker holds now (the driver's own object of it), or null while they fit. */
    private ModelState held;

    private RingStage(JavaSparkContext sc, ModelState state, JavaRDD<Shard> train, boolean streamed,
                      JavaRDD<Shard> test, RingWorker.Plan plan, int workers, int firstStep) {
        this.streamed = streamed;
        this.timeoutSeconds = plan.timeoutSeconds();
        String host = sc.getConf().get("spark.driver.host", "127.0.0.1");
        this.coordinator = Coordinator.start(host, workers, timeoutSeconds, firstStep);
        this.started = sc.broadcast(state);
        this.trainId = train.id();
        boolean evaluates = test != null && test.getNumPartitions() == train.getNumPartitions();
        this.testId = evaluates ? test.id() : null;
        JavaRDD<RingWorker.Shards> shards = evaluates
                ? train.zipPartitions(test, (a, b) -> List.of(new RingWorker.Shards(a.next(), b.next())).iterator())
                : train.map(t -> new RingWorker.Shards(t, null));
        var worker = new RingWorker(started, plan.at(coordinator.contact()));
        ClassTag<RingWorker.End> tag = ClassTag$.MODULE$.apply(RingWorker.End.class);
        RDD<RingWorker.End> stage = shards.rdd().barrier().mapPartitions(worker, false, tag);
        this.job = new JavaRDD<>(stage, tag).collectAsync();
        this.held = state;
        log.info("all-reduce ring of {} workers formed ({} shards{})", workers, streamed ? "streamed" : "in-memory",
                evaluates ? ", scoring the test set on its own tasks" : "");
    }

    /**
     * A ring of {@code workers} on the {@code train} shards ({@code streamed}: read from files) and
     * {@code test}'s where they pair up, from {@code state}.
     */
    static RingStage start(JavaSparkContext sc, ModelState state, JavaRDD<Shard> train, boolean streamed,
                           JavaRDD<Shard> test, RingWorker.Plan plan, int workers) {
        return new RingStage(sc, state, train, streamed, test, plan, workers, 0);
    }

    /**
     * Whether this ring can go on with {@code shards} from {@code state}: it is up and holding it, on
     * those shards, or on streamed ones to which the new epoch's {@code plan} can be sent.
     */
    boolean continues(ModelState state, JavaRDD<Shard> shards, List<StreamedShard> plan) {
        return !job.isDone() && held == state && (shards.id() == trainId || streamed && plan != null);
    }

    /** Whether this ring can score {@code state} on {@code test}: it is up, paired with those shards, holding it. */
    boolean evaluates(ModelState state, JavaRDD<Shard> test) {
        return !job.isDone() && held == state && testId != null && test.id() == testId;
    }

    Coordinator coordinator() {
        return coordinator;
    }

    JavaFutureAction<List<RingWorker.End>> job() {
        return job;
    }

    /** Sends the workers {@code command}; until {@link #holding} says otherwise, the state they hold is unknown. */
    void send(RingCommand command) {
        held = null;
        coordinator.send(command.encode());
    }

    /** Sends the workers {@code fit} on {@code shards}: with each worker's part of {@code plan} where they are new. */
    void send(RingCommand.Fit fit, JavaRDD<Shard> shards, List<StreamedShard> plan) {
        if (shards.id() == trainId) {
            send(fit);
            return;
        }
        held = null;
        trainId = shards.id();
        coordinator.send(partition -> fit.withPlan(plan.get(partition).plan()).encode());
    }

    /** The workers ended a command holding {@code state}. */
    void holding(ModelState state) {
        held = state;
    }

    /** Every worker's report of the next step; empty where the stage ended without them all. */
    Optional<List<byte[]>> nextStep() {
        try {
            return coordinator.nextStep(job, TimeUnit.SECONDS.toNanos(timeoutSeconds));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RingException("interrupted while waiting for the workers' round", e);
        }
    }

    /** Tells the workers to leave and waits a little for them, then cancels what is left of the stage. */
    @Override
    public void close() {
        try {
            if (!job.isDone()) {
                coordinator.send(new RingCommand.Finish().encode());
                job.get(LEAVE_SECONDS, TimeUnit.SECONDS);
            }
        } catch (Exception e) { // Spark's are checked and undeclared; a failed stage has nothing left to end
            log.debug("the ring's stage ended with {}", e.toString());
        } finally {
            if (!job.isDone()) {
                job.cancel(true);
            }
            coordinator.close();
            started.destroy();
        }
    }
}
