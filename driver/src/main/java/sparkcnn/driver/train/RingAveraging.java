package sparkcnn.driver.train;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import sparkcnn.driver.collective.Ring;
import sparkcnn.driver.collective.RingException;
import sparkcnn.kernels.train.ModelState;
import sparkcnn.kernels.train.RoundResult;

/**
 * A ring worker's averaging of its rounds, on a thread of its own (XGBoost's communicator belongs to
 * the thread that joined it), so that a round's all-reduce can run while the next round fits. A
 * result goes into the ring's sum (parameters, the updater state where it is averaged, then loss
 * sum, minibatches, examples, 1 for a worker with data, and 1 where the driver asked it to stop),
 * and the averaged state comes out by the averaging step every engine takes ({@link Averaging}). The
 * sum travels through one reused native buffer: one copy in, one out.
 */
public final class RingAveraging implements AutoCloseable {
    private static final int COUNTS = 5;

    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sparkcnn-ring");
        t.setDaemon(true);
        return t;
    });
    private final Future<Ring> ring;
    private final boolean averageUpdater;

    private RingAveraging(Map<String, Object> trackerArgs, String taskId, int timeoutSeconds, boolean averageUpdater) {
        this.ring = thread.submit(() -> Ring.join(trackerArgs, taskId, timeoutSeconds));
        this.averageUpdater = averageUpdater;
    }

    /**
     * Starts joining the ring of the tracker {@code trackerArgs} describe, as task {@code taskId}, and
     * returns at once: the caller does its own work (the state's broadcast) while the ring forms.
     */
    public static RingAveraging join(Map<String, Object> trackerArgs, String taskId, int timeoutSeconds,
                                     boolean averageUpdater) {
        return new RingAveraging(trackerArgs, taskId, timeoutSeconds, averageUpdater);
    }

    /** The averaged state, and whether any worker was asked to stop after this round. */
    public record Averaged(ModelState state, boolean stop) {
    }

    /**
     * Averages {@code mine} (a worker's result of round {@code round} of {@code epoch}, started from
     * {@code state}) with every other worker's; throws as the driver's averaging does where nobody
     * had data or training diverged.
     */
    public Averaged average(ModelState state, RoundResult mine, boolean stopRequested, int epoch, int round,
                            List<String> rejected) {
        return await(submit(state, mine, stopRequested, epoch, round, rejected));
    }

    /** As {@link #average}, on the ring's thread: the caller goes on and collects it with {@link #await}. */
    public Future<Averaged> submit(ModelState state, RoundResult mine, boolean stopRequested, int epoch, int round,
                                   List<String> rejected) {
        return thread.submit(() -> sum(state, mine, stopRequested, epoch, round, rejected));
    }

    public static Averaged await(Future<Averaged> averaging) {
        try {
            return averaging.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r
                    : new RingException("the ring's averaging failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RingException("interrupted while averaging", e);
        }
    }

    private Averaged sum(ModelState state, RoundResult mine, boolean stopRequested, int epoch, int round,
                         List<String> rejected) throws InterruptedException, ExecutionException {
        Ring ring = this.ring.get();
        int params = state.params().length;
        int updater = averageUpdater ? state.updaterState().length : 0;
        int count = params + updater + COUNTS;
        FloatBuffer in = ring.input(count);
        if (mine.workers() > 0) {
            in.put(mine.paramSum());
            in.put(mine.updaterSum(), 0, updater);
        } else { // no data left for this worker in this round: it adds nothing
            for (int i = 0; i < params + updater; i++) {
                in.put(0f);
            }
        }
        in.put((float) mine.lossSum()).put(mine.minibatches()).put(mine.examples()).put(mine.workers())
                .put(stopRequested ? 1 : 0);
        FloatBuffer sums = ring.sum(count);
        float[] paramSum = new float[params];
        float[] updaterSum = new float[updater];
        sums.get(paramSum).get(updaterSum);
        var sum = new RoundResult(paramSum, updaterSum, Math.round(sums.get(count - 2)), sums.get(count - 5),
                Math.round(sums.get(count - 4)), Math.round(sums.get(count - 3)), 0);
        return new Averaged(Averaging.next(state, sum, epoch, round, rejected), sums.get(count - 1) > 0);
    }

    /** Leaves the ring (on its thread). */
    @Override
    public void close() {
        try {
            thread.submit(() -> {
                ring.get().close();
                return null;
            }).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new RingException("leaving the ring failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            thread.shutdown();
        }
    }
}
