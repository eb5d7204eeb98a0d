package sparkcnn.kernels.train;

import java.io.Serializable;

/**
 * What workers send back after a round: the sums of their parameters and updater states (so that
 * results add up in a tree before one division on the driver), their loss sum and their counts, and
 * the longest time a worker spent fitting (the rest of a round's time is the cost of averaging).
 */
public record RoundResult(float[] paramSum, float[] updaterSum, int workers, double lossSum, int minibatches,
                          long examples, double fitSeconds) implements Serializable {

    /** The sum of two workers' results. Reuses this result's arrays. */
    public RoundResult plus(RoundResult other) {
        if (other.workers == 0) {
            return this;
        }
        if (workers == 0) {
            return other;
        }
        add(paramSum, other.paramSum);
        add(updaterSum, other.updaterSum);
        return new RoundResult(paramSum, updaterSum, workers + other.workers, lossSum + other.lossSum,
                minibatches + other.minibatches, examples + other.examples, Math.max(fitSeconds, other.fitSeconds));
    }

    /** The same result with no updater state to send (when it is not averaged). */
    public RoundResult withoutUpdaterState() {
        return new RoundResult(paramSum, new float[0], workers, lossSum, minibatches, examples, fitSeconds);
    }

    /** A worker that had no data left this round. */
    public static RoundResult empty() {
        return new RoundResult(new float[0], new float[0], 0, 0, 0, 0, 0);
    }

    public float[] averageParams() {
        return divide(paramSum, workers);
    }

    public float[] averageUpdaterState() {
        return divide(updaterSum, workers);
    }

    public double meanLoss() {
        return lossSum / minibatches;
    }

    private static void add(float[] into, float[] other) {
        for (int i = 0; i < into.length; i++) {
            into[i] += other[i];
        }
    }

    private static float[] divide(float[] sum, int n) {
        float[] mean = new float[sum.length];
        for (int i = 0; i < sum.length; i++) {
            mean[i] = sum[i] / n;
        }
        return mean;
    }
}
