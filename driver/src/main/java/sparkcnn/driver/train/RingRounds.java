package sparkcnn.driver.train;

import java.util.List;
import java.util.concurrent.Future;
import sparkcnn.driver.collective.DriverLink;
import sparkcnn.driver.data.Shard;
import sparkcnn.kernels.train.ModelState;
import sparkcnn.kernels.train.RoundResult;

/**
 * A ring worker's rounds of a {@link RingCommand.Fit}: each round it fits its slice exactly as the
 * driver engine's workers do ({@link WorkerRound}), the ring averages the workers' results
 * ({@link RingAveraging}), and it reports its counts to the driver (with the state, from partition
 * 0, where the driver needs it: checkpoint rounds, the last round, a stop). Every report is a step
 * of the coordinator's, counted here.
 *
 * <p>With {@code train.allreduce.overlap}, a round's all-reduce runs while the next round fits from
 * the worker's own result, and the average arrives one round late (Overlap Local-SGD, Wang et al.,
 * ICASSP 2020): the next round's progress is moved onto it, {@code average(r) + (fitted(r+1) -
 * start(r+1))}, before that round is averaged in turn. The workers wait for the average where the
 * state must be exact (rounds the driver needs the state after, the command's last round, a stop),
 * so checkpoints and resuming are those of averaging without overlap.
 */
final class RingRounds {
    private final RingWorker.Plan plan;
    private final DriverLink driver;
    private final RingAveraging ring;
    private final boolean sendsState;
    private int step;

    RingRounds(RingWorker.Plan plan, DriverLink driver, RingAveraging ring, boolean sendsState) {
        this.plan = plan;
        this.driver = driver;
        this.ring = ring;
        this.sendsState = sendsState;
    }

    /** A round whose average is still in the ring: its number, the state it is based on, its own result. */
    private record InFlight(int round, Future<RingAveraging.Averaged> average, WorkerRound mine) {
    }

    /** Fits the command's rounds of {@code shard} from {@code synced} (every worker's same state); the averaged state after. */
    ModelState fit(RingCommand.Fit fit, ModelState synced, Shard shard) {
        int epoch = fit.epoch();
        ModelState start = synced.withEpoch(epoch); // this worker's start of the round
        ModelState base = start;                     // the averaged state the round's progress is based on
        InFlight inFlight = null;
        for (int round = fit.from(); round < fit.to(); round++) {
            double rate = plan.schedule().rate(epoch, round, fit.rounds());
            WorkerRound mine = WorkerRound.fit(start.withLearningRate(rate), shard, plan.settings(), epoch, round);
            RoundResult toSum = mine.result();
            boolean stopping = false;
            if (inFlight != null) { // the previous round's average: this round's progress moves onto it
                RingAveraging.Averaged previous = RingAveraging.await(inFlight.average());
                report(inFlight.round(), inFlight.mine(), false, null);
                base = previous.state();
                toSum = rebased(mine.result(), start, base);
                stopping = previous.stop();
            }
            Future<RingAveraging.Averaged> average = ring.submit(base, toSum, driver.stopRequested(), epoch, round,
                    mine.rejected());
            if (plan.overlap() && !stopping && !fit.stateNeededAfter(round)) {
                inFlight = new InFlight(round, average, mine);
                start = toSum.workers() == 0 ? base : base.withWeights(toSum.paramSum(),
                        toSum.updaterSum().length == 0 ? base.updaterState() : toSum.updaterSum(),
                        base.iteration() + toSum.minibatches());
                continue;
            }
            RingAveraging.Averaged averaged = RingAveraging.await(average);
            start = base = averaged.state();
            inFlight = null;
            boolean last = stopping || averaged.stop() || round == fit.to() - 1;
            report(round, mine, last, sendsState && (last || fit.stateNeededAfter(round)) ? start : null);
            if (last) {
                break;
            }
        }
        return start;
    }

    /** {@code fitted}'s parameter progress from {@code from}, moved onto {@code base}: base + (fitted - from), in place. */
    private static RoundResult rebased(RoundResult fitted, ModelState from, ModelState base) {
        if (fitted.workers() > 0) {
            shift(fitted.paramSum(), from.params(), base.params());
        }
        return fitted;
    }

    private static void shift(float[] values, float[] from, float[] to) {
        for (int i = 0; i < values.length; i++) {
            values[i] += to[i] - from[i];
        }
    }

    private void report(int round, WorkerRound mine, boolean last, ModelState state) {
        report(RingReports.encode(new RingReports.Round(mine.withoutArrays(), last, state)));
    }

    /** The next step's report. */
    void report(byte[] payload) {
        driver.report(step++, payload);
    }
}
