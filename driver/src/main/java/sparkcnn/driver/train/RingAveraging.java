package sparkcnn.driver.train;

import java.nio.FloatBuffer;
import java.util.List;
import sparkcnn.driver.collective.Ring;
import sparkcnn.kernels.train.ModelState;
import sparkcnn.kernels.train.RoundResult;

/**
 * A ring worker's averaging of one round: its result goes into the ring's sum (parameters, the
 * updater state where it is averaged, then loss sum, minibatches, examples, 1 for a worker with
 * data, and 1 where the driver asked it to stop), and the averaged state comes out exactly as the
 * driver's averaging makes it ({@link AveragingTrainer#average}). The sum travels through one reused
 * native buffer: one copy in, one out and divided in place.
 */
public final class RingAveraging {
    private static final int COUNTS = 5;

    private final Ring ring;
    private final boolean averageUpdater;

    public RingAveraging(Ring ring, boolean averageUpdater) {
        this.ring = ring;
        this.averageUpdater = averageUpdater;
    }

    /** The next {@code length} sums of {@code sums}, divided by {@code workers} as the driver divides them. */
    private static float[] mean(FloatBuffer sums, int length, int workers) {
        float[] mean = new float[length];
        sums.get(mean);
        for (int i = 0; i < length; i++) {
            mean[i] /= workers;
        }
        return mean;
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
        int workers = Math.round(sums.get(count - 2));
        var counts = new RoundResult(new float[0], new float[0], workers, sums.get(count - 5),
                Math.round(sums.get(count - 4)), Math.round(sums.get(count - 3)), 0);
        AveragingTrainer.requireWorkers(workers, epoch, round, rejected);
        float[] paramMean = mean(sums, params, workers);
        // without updater averaging, every round starts from the run's initial updater state
        float[] updaterMean = updater == 0 ? state.updaterState() : mean(sums, updater, workers);
        return new Averaged(AveragingTrainer.next(state, counts, paramMean, updaterMean, epoch, round),
                sums.get(count - 1) > 0);
    }
}
