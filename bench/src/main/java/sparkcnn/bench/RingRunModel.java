package sparkcnn.bench;

/**
 * The ring as a run uses it ({@code train.engine = allreduce}): formed once and kept for the run's
 * {@code epochs} epochs, so its start ({@link RingAveragingModel#startSeconds}: stage, broadcast, join)
 * is spread over every round of the run; at each epoch's end the state goes to the driver (a link's
 * worth of it). With {@code overlap} ({@code train.allreduce.overlap}) a round's averaging runs while
 * the first half of the next round's minibatches fit (ceil(f/2) of f, where the worker moves onto
 * the average), so a round costs only what averaging takes beyond that, except the epoch's last,
 * which waits for its average (checkpoint rounds wait too; none are counted here):
 * <pre>
 *   averaging per round = ((R-1) hidden + a + start / epochs + S / NIC) / R,
 *   hidden = overlap ? max(0, a - fit ceil(f/2) / f) : a
 * </pre>
 * with a the ring's steady averaging of a round and R the rounds of an epoch. Overlap assumes the
 * all-reduce does not slow fitting: on GPU workers the ring uses the CPU and the network while the
 * GPU fits; on CPU workers it was measured (`bench/results/allreduce.md`).
 */
public record RingRunModel(RingAveragingModel ring, int epochs, boolean overlap) implements AveragingModel {

    @Override
    public double averagingSeconds(int workers, double stateMb) {
        return ring.averagingSeconds(workers, stateMb);
    }

    @Override
    public RingRunModel onNetwork(double mbPerSecond) {
        return new RingRunModel(ring.onNetwork(mbPerSecond), epochs, overlap);
    }

    @Override
    public Epoch epoch(long images, int workers, int batch, int frequency, double rate, double stateMb) {
        Epoch e = AveragingModel.super.epoch(images, workers, batch, frequency, rate, stateMb);
        double sync = e.averagingSeconds();
        double hidden = overlap ? Math.max(0, sync - e.fitSeconds() * halfRound(frequency)) : sync;
        double handover = ring.nicMbPerSecond() > 0 ? stateMb / ring.nicMbPerSecond() : 0;
        double once = ring.startSeconds(workers, stateMb) / epochs + handover;
        double averaging = ((e.rounds() - 1) * hidden + sync + once) / e.rounds();
        return new Epoch(workers, frequency, e.rounds(), e.fitSeconds(), averaging,
                e.rounds() * (e.fitSeconds() + averaging));
    }

    /** The share of a round's fitting the ring has to hide in: its first ceil(f/2) of f minibatches. */
    static double halfRound(int frequency) {
        return (double) ((frequency + 1) / 2) / frequency;
    }
}
