package sparkcnn.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * A round's averaging through the driver ({@code train.engine = sparkcnn}), from measured constants.
 *
 * <p>A round is: schedule one task per worker, broadcast the state (parameters and momentum),
 * every worker fits {@code f} minibatches of {@code b}, and the sums come back through Spark's
 * {@code treeReduce}. So
 * <pre>
 *   round     = f b / r  +  launch(W) + broadcast(W) + reduce(W) + S w
 *   launch    = l0 + l1 W                               (empty job, measured)
 *   broadcast = S (b0 + b1 log2 W)  +  S / NIC          (torrent broadcast: peers share blocks)
 *   reduce    = S rho (sum of fan-ins on the path)  +  k S / NIC
 *   epoch     = ceil(N / (W f b)) rounds
 * </pre>
 * with S the state in MB, w the seconds per MB a worker spends putting the state into its network and
 * taking it back out (fitted to a 1-worker training run: what a real round does beyond the bench), rho the seconds per MB of one partial sum received and added (the
 * driver's part, measured); the fan-ins follow Spark's treeAggregate: {@code scale =
 * max(ceil(W^(1/depth)), 2)}, a level ({@code n / scale} partials) while more than
 * {@code scale + ceil(n / scale)} remain,
 * and the driver receives the last {@code k}. On 127.0.0.1 there is no network: a real cluster adds
 * the driver's NIC, which every broadcast leaves through at least once and every final partial sum
 * enters through.
 */
public record DriverAveragingModel(double launch0, double launchPerWorker, double broadcastPerMb,
                                   double broadcastPerMbLog2, double reducePerMb, double workerStatePerMb,
                                   double nicMbPerSecond) implements AveragingModel {

    @Override
    public double averagingSeconds(int workers, double stateMb) {
        return launch0 + launchPerWorker * workers + broadcastSeconds(workers, stateMb) + reduceSeconds(workers, stateMb)
                + stateMb * workerStatePerMb;
    }

    public double broadcastSeconds(int workers, double stateMb) {
        return stateMb * (broadcastPerMb + broadcastPerMbLog2 * log2(workers)) + nic(stateMb);
    }

    public double reduceSeconds(int workers, double stateMb) {
        TreeShape tree = TreeShape.of(workers, depthFor(workers));
        return stateMb * reducePerMb * tree.pathFanIn() + tree.atDriver() * nic(stateMb);
    }

    private double nic(double stateMb) {
        return nicMbPerSecond <= 0 ? 0 : stateMb / nicMbPerSecond;
    }

    /** The same model on a network of {@code mbPerSecond} at the driver. */
    @Override
    public DriverAveragingModel onNetwork(double mbPerSecond) {
        return new DriverAveragingModel(launch0, launchPerWorker, broadcastPerMb, broadcastPerMbLog2, reducePerMb,
                workerStatePerMb, mbPerSecond);
    }

    /** The same model with the worker's state cost fitted to a measured round of one worker. */
    public DriverAveragingModel calibratedTo(double measuredAveragingSeconds, double stateMb) {
        double rest = measuredAveragingSeconds - withWorkerState(0).averagingSeconds(1, stateMb);
        return withWorkerState(Math.max(0, rest / stateMb));
    }

    private DriverAveragingModel withWorkerState(double perMb) {
        return new DriverAveragingModel(launch0, launchPerWorker, broadcastPerMb, broadcastPerMbLog2, reducePerMb, perMb,
                nicMbPerSecond);
    }

    /** {@code train.aggregation-depth = auto}, as TrainSpec chooses it. */
    public static int depthFor(int workers) {
        return workers <= 16 ? 2 : workers <= 256 ? 3 : 4;
    }

    /**
     * The fan-ins of Spark's treeAggregate for {@code partitions} partials at {@code depth}: one per
     * intermediate level (an executor merges up to that many partials; levels run one after another), and
     * {@code atDriver} partials that the driver receives and adds at the end.
     */
    public record TreeShape(List<Integer> levels, int atDriver) {
        static TreeShape of(int partitions, int depth) {
            int scale = Math.max((int) Math.ceil(Math.pow(partitions, 1.0 / depth)), 2);
            int n = partitions;
            List<Integer> levels = new ArrayList<>();
            while (n > scale + (int) Math.ceil((double) n / scale)) {
                int next = n / scale; // Spark divides and rounds down; partial i goes to i % next
                levels.add((n + next - 1) / next);
                n = next;
            }
            return new TreeShape(levels, n);
        }

        /** Partials received one after another on the way from a worker to the averaged state. */
        public int pathFanIn() {
            return levels.stream().mapToInt(Integer::intValue).sum() + atDriver;
        }
    }

    static double log2(int workers) {
        return Math.log(workers) / Math.log(2);
    }

    /** Least squares of y = a + b x. */
    static double[] line(double[] x, double[] y) {
        int n = x.length;
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i] / n;
            my += y[i] / n;
        }
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < n; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
        }
        double b = sxx == 0 ? 0 : sxy / sxx;
        return new double[] {my - b * mx, b};
    }

    /** One {@code bench rounds} measurement. */
    public record RoundCost(int workers, double stateMb, double emptyJobSeconds, double broadcastSeconds,
                            double reduceSeconds) {
    }

    /** The constants fitted to {@code bench rounds} on 1..n workers (no network term). */
    public static DriverAveragingModel fit(List<RoundCost> costs) {
        int n = costs.size();
        double[] w = new double[n];
        double[] log2w = new double[n];
        double[] empty = new double[n];
        double[] broadcastPerMb = new double[n];
        double[] atDriver = new double[n];
        double[] reducePerMb = new double[n];
        for (int i = 0; i < n; i++) {
            RoundCost c = costs.get(i);
            w[i] = c.workers();
            log2w[i] = log2(c.workers());
            empty[i] = c.emptyJobSeconds();
            broadcastPerMb[i] = c.broadcastSeconds() / c.stateMb();
            atDriver[i] = TreeShape.of(c.workers(), depthFor(c.workers())).pathFanIn();
            reducePerMb[i] = c.reduceSeconds() / c.stateMb();
        }
        double[] launch = line(w, empty);
        double[] broadcast = line(log2w, broadcastPerMb);
        // seconds per MB per partial on the path: the slope through the origin of reduce / MB against the fan-in
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < n; i++) {
            sxy += atDriver[i] * reducePerMb[i];
            sxx += atDriver[i] * atDriver[i];
        }
        return new DriverAveragingModel(launch[0], launch[1], broadcast[0], broadcast[1], sxy / sxx, 0, 0);
    }
}
