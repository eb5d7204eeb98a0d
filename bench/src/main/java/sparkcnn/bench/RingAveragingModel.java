package sparkcnn.bench;

import java.util.List;

/**
 * A round's averaging in the ring between the workers ({@code train.engine = allreduce}), from
 * measured constants. Each round a worker copies its state S into the ring's buffer and the average
 * out ({@code w} s/MB, measured with one worker, whose ring has nobody to talk to), and the ring's
 * reduce-scatter and all-gather move {@code 2 (W-1)/W S} through every worker in {@code 2 (W-1)}
 * steps; the stage's start, the state's broadcast and its return to the driver happen once per
 * segment of {@code segmentRounds} rounds (a checkpoint interval). So
 * <pre>
 *   averaging = S w  +  2 (W-1)/W S max(m, 1 / NIC)  +  2 (W-1) hop  +  (s0 + s1 W) / segmentRounds
 * </pre>
 * with m the seconds per MB a worker moves through the ring on this machine (fitted to the 2- and
 * 3-worker rounds beyond the 1-worker one: loopback TCP and the reduction's adds), streamed through
 * the link at the NIC's rate where that is slower, hop the latency of one ring step, and s0 + s1 W
 * the measured segment overhead.
 */
public record RingAveragingModel(double workerPerMb, double movedPerMb, double hopSeconds, double segment0,
                                 double segmentPerWorker, int segmentRounds, double nicMbPerSecond)
        implements AveragingModel {

    @Override
    public double averagingSeconds(int workers, double stateMb) {
        double moved = 2.0 * (workers - 1) / workers * stateMb;
        double perMb = nicMbPerSecond > 0 ? Math.max(movedPerMb, 1 / nicMbPerSecond) : movedPerMb;
        return stateMb * workerPerMb + moved * perMb + 2.0 * (workers - 1) * hopSeconds
                + (segment0 + segmentPerWorker * workers) / segmentRounds;
    }

    @Override
    public RingAveragingModel onNetwork(double mbPerSecond) {
        return new RingAveragingModel(workerPerMb, movedPerMb, hopSeconds, segment0, segmentPerWorker, segmentRounds,
                mbPerSecond);
    }

    /** The same model with a ring step's latency of {@code seconds} (a network's, not loopback's). */
    public RingAveragingModel withHop(double seconds) {
        return new RingAveragingModel(workerPerMb, movedPerMb, seconds, segment0, segmentPerWorker, segmentRounds,
                nicMbPerSecond);
    }

    /** One {@code bench rounds --engine allreduce} measurement. */
    public record RoundCost(int workers, double stateMb, double roundSeconds, double segmentSeconds) {
    }

    /**
     * The constants fitted to {@code bench rounds --engine allreduce} on 1..n workers of one machine
     * (no network, no hop latency): w from the 1-worker round, m through the origin of the rest
     * against the MB moved, the segment overhead a line in W.
     */
    public static RingAveragingModel fit(List<RoundCost> costs, int segmentRounds) {
        RoundCost one = costs.stream().filter(c -> c.workers() == 1).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no 1-worker measurement"));
        double workerPerMb = one.roundSeconds() / one.stateMb();
        double sxy = 0;
        double sxx = 0;
        double[] w = new double[costs.size()];
        double[] segment = new double[costs.size()];
        for (int i = 0; i < costs.size(); i++) {
            RoundCost c = costs.get(i);
            double moved = 2.0 * (c.workers() - 1) / c.workers() * c.stateMb();
            sxy += moved * (c.roundSeconds() - workerPerMb * c.stateMb());
            sxx += moved * moved;
            w[i] = c.workers();
            segment[i] = c.segmentSeconds();
        }
        double[] line = DriverAveragingModel.line(w, segment);
        return new RingAveragingModel(workerPerMb, sxx == 0 ? 0 : Math.max(0, sxy / sxx), 0, line[0], line[1],
                segmentRounds, 0);
    }
}
