package sparkcnn.driver.train;

import java.util.concurrent.Future;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import sparkcnn.driver.collective.DriverLink;
import sparkcnn.driver.data.Shard;
import sparkcnn.kernels.train.ModelState;
import sparkcnn.kernels.train.RoundResult;
import sparkcnn.kernels.train.WorkerStep;

/**
 * A ring worker's rounds of a {@link RingCommand.Fit}: each round it fits its slice exactly as the
 * driver engine's workers do ({@link WorkerRound}), the ring averages the workers' results
 * ({@link RingAveraging}), and it reports its counts to the driver (with the state, from partition
 * 0, where the driver needs it: checkpoint rounds, the last round, a stop). Every report is a step
 * of the coordinator's, counted here.
 *
 * <p>With {@code train.allreduce.overlap}, a round's all-reduce runs while the next round fits from
 * the worker's own result, and the average arrives one round late (Overlap Local-SGD, Wang et al.,
 * ICASSP 2020): halfway through the next round's minibatches the worker's network is moved onto it,
 * keeping that round's progress so far ({@code average(r) + (live - start(r+1))}), so the round's
 * second half fits from where the workers would be without overlap; each worker's momentum stays its
 * own (moving it too measured worse: bench/results/allreduce.md). The ring has half a round's
 * fitting to hide in; the point is fixed by the round, not by timing, so runs repeat exactly. The
 * workers wait for the average where the state must be exact (rounds the driver needs the state
 * after, the command's last round, a stop), so checkpoints and resuming are those of averaging
 * without overlap.
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
            WorkerRound mine = WorkerRound.fit(start.withLearningRate(rate), shard, plan.settings(), epoch, round,
                    inFlight == null ? null : ontoAverage(inFlight.average(), start));
            RoundResult toSum = mine.result(); // with the previous round in flight, already moved onto its average
            boolean stopping = false;
            if (inFlight != null) {
                RingAveraging.Averaged previous = RingAveraging.await(inFlight.average());
                report(inFlight.round(), inFlight.mine(), false, null);
                base = previous.state();
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

    /**
     * Moves a round's live network, started from {@code from}, onto the previous round's average once
     * that has arrived: its parameters by {@code average - from}, keeping the round's progress so far.
     */
    private static WorkerStep.Midway ontoAverage(Future<RingAveraging.Averaged> average, ModelState from) {
        return graph -> {
            float[] to = RingAveraging.await(average).state().params();
            float[] shift = new float[to.length];
            for (int i = 0; i < shift.length; i++) {
                shift[i] = to[i] - from.params()[i];
            }
            INDArray params = graph.params();
            params.addi(Nd4j.createFromArray(shift).reshape(params.shape()));
        };
    }

    private void report(int round, WorkerRound mine, boolean last, ModelState state) {
        report(RingReports.encode(new RingReports.Round(mine.withoutArrays(), last, state)));
    }

    /** The next step's report. */
    void report(byte[] payload) {
        driver.report(step++, payload);
    }
}
