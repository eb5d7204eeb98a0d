package sparkcnn.bench;

import java.util.List;

/**
 * A round's averaging in the ring between the workers ({@code train.engine = allreduce}), from
 * measured constants. Each round a worker copies its state S into the ring's buffer and the average
 * out ({@code w} s/MB, measured with one worker, whose ring has nobody to talk to), and the ring's
 * reduce-scatter and all-gather move {@code 2 (W-1)/W S} through every worker in {@code 2 (W-1)}
 * steps. Once per epoch the barrier stage starts and the state is broadcast, as a round of the
 * driver's averaging does ({@link DriverAveragingModel}'s launch and broadcast), and the workers join
 * the ring ({@code j}); the state a checkpoint needs travels to the driver beside the next round's
 * fitting, off the ring's path. So
 * <pre>
 *   averaging = S w  +  2 (W-1)/W S max(m, 1 / NIC)  +  2 (W-1) hop
 *               +  (launch(W) + broadcast(W, S) + j) / rounds per epoch
 * </pre>
 * with m the seconds per MB a worker moves through the ring on this machine (fitted to the 2- and
 * 3-worker rounds beyond the 1-worker one: loopback TCP and the reduction's adds), streamed through
 * the link at the NIC's rate where that is slower, and hop the latency of one ring step.
 */
public record RingAveragingModel(double workerPerMb, double movedPerMb, double hopSeconds, double joinSeconds,
                                 DriverAveragingModel stageStart, double nicMbPerSecond) implements AveragingModel {

    /** A round's averaging, without the epoch's start. */
    @Override
    public double averagingSeconds(int workers, double stateMb) {
        double moved = 2.0 * (workers - 1) / workers * stateMb;
        double perMb = nicMbPerSecond > 0 ? Math.max(movedPerMb, 1 / nicMbPerSecond) : movedPerMb;
        return stateMb * workerPerMb + moved * perMb + 2.0 * (workers - 1) * hopSeconds;
    }

    /** An epoch, its stage's start spread over its rounds. */
    @Override
    public Epoch epoch(long images, int workers, int batch, int frequency, double rate, double stateMb) {
        Epoch e = AveragingModel.super.epoch(images, workers, batch, frequency, rate, stateMb);
        double averaging = e.averagingSeconds() + startSeconds(workers, stateMb) / e.rounds();
        return new Epoch(workers, frequency, e.rounds(), e.fitSeconds(), averaging,
                e.rounds() * (e.fitSeconds() + averaging));
    }

    /** An epoch's start: the stage launched, the state broadcast, the ring joined. */
    public double startSeconds(int workers, double stateMb) {
        return stageStart.launch0() + stageStart.launchPerWorker() * workers
                + stageStart.broadcastSeconds(workers, stateMb) + joinSeconds;
    }

    @Override
    public RingAveragingModel onNetwork(double mbPerSecond) {
        return new RingAveragingModel(workerPerMb, movedPerMb, hopSeconds, joinSeconds, stageStart.onNetwork(mbPerSecond),
                mbPerSecond);
    }

    /** The same model with a ring step's latency of {@code seconds} (a network's, not loopback's). */
    public RingAveragingModel withHop(double seconds) {
        return new RingAveragingModel(workerPerMb, movedPerMb, seconds, joinSeconds, stageStart, nicMbPerSecond);
    }

    /**
     * One {@code bench rounds --engine allreduce} measurement: a round, and the epoch's start (the
     * first round's time beyond a round: stage, broadcast, ring join).
     */
    public record RoundCost(int workers, double stateMb, double roundSeconds, double startSeconds) {
    }

    /**
     * The constants fitted to {@code bench rounds --engine allreduce} on 1..n workers of one machine
     * (no network, no hop latency): w from the 1-worker round, m through the origin of the rest
     * against the MB moved, j the mean of the epoch starts beyond the stage's launch and broadcast.
     */
    public static RingAveragingModel fit(List<RoundCost> costs, DriverAveragingModel stageStart) {
        RoundCost one = costs.stream().filter(c -> c.workers() == 1).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no 1-worker measurement"));
        double workerPerMb = one.roundSeconds() / one.stateMb();
        double sxy = 0;
        double sxx = 0;
        double join = 0;
        var noJoin = new RingAveragingModel(0, 0, 0, 0, stageStart, 0);
        for (RoundCost c : costs) {
            double moved = 2.0 * (c.workers() - 1) / c.workers() * c.stateMb();
            sxy += moved * (c.roundSeconds() - workerPerMb * c.stateMb());
            sxx += moved * moved;
            join += (c.startSeconds() - noJoin.startSeconds(c.workers(), c.stateMb())) / costs.size();
        }
        return new RingAveragingModel(workerPerMb, sxx == 0 ? 0 : Math.max(0, sxy / sxx), 0, Math.max(0, join),
                stageStart, 0);
    }
}
