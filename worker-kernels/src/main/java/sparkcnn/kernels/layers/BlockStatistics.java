package sparkcnn.kernels.layers;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The batch statistics of a dense block's buffer, map by map. A map's mean and variance do not
 * depend on which layer reads it, so each is measured once, when the map is written, instead of by
 * every later layer's batch norm. In backward each reader adds a dy' of its own to the map's
 * gradient and leaves here its two per-channel terms (see {@link ChannelsLastBatchNormReluKernel});
 * once every reader has (the layer that wrote the map, reached last), they are taken off in one pass.
 */
final class BlockStatistics {
    private final int rows;
    private final double eps;
    private final float[] mean;
    private final float[] var;
    private final double[] sumTerm;
    private final double[] xhatTerm;

    BlockStatistics(int rows, int channels, double eps) {
        this.rows = rows;
        this.eps = eps;
        this.mean = new float[channels];
        this.var = new float[channels];
        this.sumTerm = new double[channels];
        this.xhatTerm = new double[channels];
    }

    /**
     * Writes maps [first, first + count) into the block buffer ({@code into}, rows of its width) from
     * {@code maps} (dense rows of count channels), and measures them in the same pass.
     */
    void write(FloatBuffer maps, FloatBuffer into, int width, int first, int count) {
        KernelClock.time("dense block channel copy", () -> ChannelsLastBatchNormReluKernel.statistics(
                ChannelRows.dense(maps, count), ChannelRows.slice(into, width, first), rows, count, mean, first, var));
    }

    /** The means of maps [0, count). */
    float[] mean(int count) {
        return Arrays.copyOf(mean, count);
    }

    /** The (biased) variances of maps [0, count). */
    float[] variance(int count) {
        return Arrays.copyOf(var, count);
    }

    /** A reader's terms for maps [0, a.length): its scale a = gamma / std and its sums dbeta and dgamma. */
    void defer(float[] a, float[] dbeta, float[] dgamma) {
        for (int ch = 0; ch < a.length; ch++) {
            sumTerm[ch] += (double) a[ch] / rows * dbeta[ch];
            xhatTerm[ch] += (double) a[ch] / rows * dgamma[ch];
        }
    }

    /**
     * The finished gradient of maps [first, first + count) into {@code out} (dense): their gradient
     * summed in {@code pending} less every reader's terms.
     */
    void finish(PendingMaps pending, ChannelRows out, int first) {
        int count = pending.channels();
        float[] invStd = new float[count];
        float[] s = new float[count];
        float[] sx = new float[count];
        for (int ch = 0; ch < count; ch++) {
            invStd[ch] = ChannelsLastBatchNormReluKernel.Scale.invStd(var[first + ch], eps);
            s[ch] = (float) sumTerm[first + ch];
            sx[ch] = (float) xhatTerm[first + ch];
        }
        ChannelsLastBatchNormReluKernel.finishGradient(pending.maps(), pending.gradients(), out, rows, count,
                Arrays.copyOfRange(mean, first, first + count), invStd, s, sx);
    }
}
