package sparkcnn.kernels.layers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A batch norm's running mean and variance, stored as DL4J stores them (the variance itself, or
 * log10 of the standard deviation) and updated as DL4J updates them, distributed-safe: the
 * "gradient" of a running statistic is the step that its no-op updater subtracts,
 * {@code mean - (1 - decay)(mean - batchMean)} and the like for log10 std, so parameter averaging
 * averages the statistics with every other parameter.
 */
final class RunningStatistics {
    /** log10(s) = ln(v) / (2 ln 10) for the standard deviation s of variance v (DL4J's constant). */
    private static final double ONE_ON_2LOGE_10 = 1.0 / (2 * Math.log(10.0));

    private RunningStatistics() {
    }

    /** The running variance per channel from its stored form. */
    static float[] variance(INDArray stored, boolean logStd) {
        float[] values = Plain.read(stored);
        if (!logStd) {
            return values;
        }
        float[] variance = new float[values.length];
        for (int c = 0; c < variance.length; c++) {
            double std = Math.pow(10, values[c]);
            variance[c] = (float) (std * std);
        }
        return variance;
    }

    /**
     * Writes the updates of the running mean and stored variance into their gradient views. The
     * running variance averages the unbiased batch variance ({@code n / (n - 1)} times the biased one
     * that normalised the batch, over its {@code n} values per channel), as PyTorch's does.
     */
    static void writeUpdates(double decay, boolean logStd, INDArray mean, INDArray stored, float[] batchMean,
                             float[] batchVar, long n, INDArray meanGradient, INDArray storedGradient) {
        double unbiased = n > 1 ? (double) n / (n - 1) : 1;
        float[] running = Plain.read(mean);
        float[] deltaMean = new float[running.length];
        for (int c = 0; c < running.length; c++) {
            deltaMean[c] = (float) ((1 - decay) * (running[c] - batchMean[c]));
        }
        assign(meanGradient, deltaMean);
        float[] variance = variance(stored, logStd);
        float[] delta = new float[variance.length];
        for (int c = 0; c < variance.length; c++) {
            if (logStd) {
                double next = decay * variance[c] + (1 - decay) * unbiased * batchVar[c];
                delta[c] = (float) (Math.log(variance[c] / next) * ONE_ON_2LOGE_10);
            } else {
                delta[c] = (float) ((1 - decay) * (variance[c] - unbiased * batchVar[c]));
            }
        }
        assign(storedGradient, delta);
    }

    /** {@code values} into a parameter's gradient view: in place where it is plain (always, in DL4J's flat views). */
    static void assign(INDArray view, float[] values) {
        if (Plain.is(view)) {
            Plain.write(view, values);
        } else {
            view.assign(row(values));
        }
    }

    static INDArray row(float[] values) {
        return Nd4j.createFromArray(values).reshape(1, values.length);
    }
}
