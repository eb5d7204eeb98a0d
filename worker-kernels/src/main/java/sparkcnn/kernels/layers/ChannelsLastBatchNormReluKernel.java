package sparkcnn.kernels.layers;

import static sparkcnn.kernels.layers.RowBlocks.perPart;
import static sparkcnn.kernels.layers.RowBlocks.tile;
import static sparkcnn.kernels.layers.RowBlocks.total;

import java.nio.FloatBuffer;

/**
 * Batch normalisation + ReLU over an NHWC float tensor: M = N H W rows of C channels each, walked
 * in {@link RowBlocks}: the channel prefixes of a dense block's buffer, read where they lie, and
 * dense arrays whose channels oneDNN's kernels do not take ({@link DenseBatchNorm}). The formulas
 * of the NCHW reference kernel in the tests (BatchNormReluKernel, PyTorch's way); the statistics in
 * one pass, shifted by the first row (sums of x - k and (x - k)^2), which keeps the variance exact
 * when the mean is large against the spread.
 *
 * <p>The ReLU's gradient is dy times min(1, max(0, z) 2^126) for the output z = a x + b: 1 for every
 * positive normal float, 0 otherwise, in float operations the JIT vectorises (a branch, a
 * conditional move or a bit mask on the sign runs one value at a time, 4x slower), as a loop of its
 * own: folded into the loops of the sums it stopped them vectorising (3x slower).
 *
 * <p>For a dense block the backward also comes in two halves ({@link #backwardAdding},
 * {@link #finishGradient}): dx = a dy' - (a/M) sum(dy') - xhat (a/M) sum(dy' xhat) for the masked dy',
 * and the two per-channel terms only need the sums, so each layer adds a dy' to the block's gradient
 * in the same pass that sums, and the terms of every layer that read a map are taken off once.
 */
final class ChannelsLastBatchNormReluKernel {
    private static final float HUGE = 0x1p126f;

    private ChannelsLastBatchNormReluKernel() {
    }

    /** Training forward of a dense array: writes y, and each channel's batch mean and (biased) variance. */
    static void forwardTraining(FloatBuffer x, FloatBuffer y, int rows, int c, float[] gamma, float[] beta, double eps,
                                boolean relu, float[] mean, float[] var) {
        ChannelRows xs = ChannelRows.dense(x, c);
        KernelClock.time("batchnorm_relu forward (training, NHWC)", () -> {
            statistics(xs, rows, c, mean, 0, var);
            affine(xs, y, rows, c, Scale.of(gamma, beta, mean, var, eps), relu);
        });
    }

    /**
     * Each channel's batch mean and (biased) variance into {@code mean} and {@code var} from
     * {@code offset}: the same values, bit for bit, whatever else the rows hold beside the c channels.
     */
    static void statistics(ChannelRows x, int rows, int c, float[] mean, int offset, float[] var) {
        statistics(x, null, rows, c, mean, offset, var);
    }

    /** {@link #statistics} of x, which the same pass copies to {@code copyTo} where it is given. */
    static void statistics(ChannelRows x, ChannelRows copyTo, int rows, int c, float[] mean, int offset, float[] var) {
        float[] shift = new float[c];
        x.load(0, 1, c, shift);
        float[] shifts = tile(shift);
        double[][][] sums = perPart(rows, c, 2, (part, acc) -> RowBlocks.forEachBlock(rows, part, c, x, null, acc,
                (first, width, xs, unused) -> {
                    float[] s = acc.accumulators[0];
                    float[] q = acc.accumulators[1];
                    for (int i = 0; i < width; i++) {
                        float d = xs[i] - shifts[i];
                        s[i] += d;
                        q[i] += d * d;
                    }
                    if (copyTo != null) {
                        copyTo.store(first, width / c, c, xs);
                    }
                }));
        for (int ch = 0; ch < c; ch++) {
            double meanShifted = total(sums, 0, ch) / rows;
            mean[offset + ch] = (float) (shift[ch] + meanShifted);
            var[offset + ch] = (float) Math.max(0, total(sums, 1, ch) / rows - meanShifted * meanShifted);
        }
    }

    /** Inference forward with the running statistics. */
    static void forwardInference(FloatBuffer x, FloatBuffer y, int rows, int c, float[] gamma, float[] beta,
                                 float[] runningMean, float[] runningVar, double eps, boolean relu) {
        forwardInference(ChannelRows.dense(x, c), y, rows, c, gamma, beta, runningMean, runningVar, eps, relu);
    }

    /**
     * Forward with given statistics: the running ones, or batch statistics measured before (a dense
     * block's maps, measured once when written; the output recomputed in backward, bit for bit).
     */
    static void forwardInference(ChannelRows x, FloatBuffer y, int rows, int c, float[] gamma, float[] beta,
                                 float[] mean, float[] var, double eps, boolean relu) {
        KernelClock.time("batchnorm_relu forward (given statistics, NHWC)",
                () -> affine(x, y, rows, c, Scale.of(gamma, beta, mean, var, eps), relu));
    }

    /** Backward: writes dx, dgamma and dbeta; one pass for the two sums, one for dx. */
    static void backward(FloatBuffer x, FloatBuffer dy, FloatBuffer dx, int rows, int c, float[] gamma, float[] beta,
                         float[] mean, float[] var, double eps, boolean relu, float[] dgamma, float[] dbeta) {
        KernelClock.time("batchnorm_relu backward (NHWC)", () -> {
            ChannelRows xs = ChannelRows.dense(x, c);
            ChannelRows dys = ChannelRows.dense(dy, c);
            Scale scale = Scale.of(gamma, beta, mean, var, eps);
            sums(xs, dys, null, null, rows, c, scale, mean, relu, dgamma, dbeta);
            float[] k = new float[c];
            for (int ch = 0; ch < c; ch++) {
                k[ch] = scale.a()[ch] / rows;
            }
            float[] as = tile(scale.a()), bs = tile(scale.b()), means = tile(mean), invStds = tile(scale.invStd());
            float[] ks = tile(k), sumG = tile(dbeta), sumGx = tile(dgamma);
            float m = rows;
            RowBlocks.inParallel(rows, c, xs, dys, (first, width, xv, gs) -> {
                if (relu) {
                    mask(gs, xv, as, bs, width);
                }
                for (int i = 0; i < width; i++) {
                    float xhat = (xv[i] - means[i]) * invStds[i];
                    gs[i] = ks[i] * (m * gs[i] - sumG[i] - xhat * sumGx[i]);
                }
                dx.put(first * c, gs, 0, width);
            });
        });
    }

    /**
     * A dense block's BN-ReLU backward in one pass: dgamma and dbeta, and a dy' added to {@code dx}
     * (c channels of the block's gradient, read and written where they are); the rest of dx is
     * {@link #finishGradient}'s, with the per-channel terms of every layer that read x. Where this is
     * the last reader of x's last {@code lastRead.channels()} maps (or null: of none), their summed
     * gradient goes to {@code lastRead} with the maps, not back where they lie: copied dense, their
     * finishing pass reads two dense arrays rather than a few maps of each of two wide buffers' rows
     * (2.5-5 ns a value against 0.5).
     */
    static void backwardAdding(ChannelRows x, FloatBuffer dy, ChannelRows dx, PendingMaps lastRead, int rows, int c,
                               float[] gamma, float[] beta, float[] mean, float[] var, double eps, float[] dgamma,
                               float[] dbeta) {
        KernelClock.time("batchnorm_relu backward (NHWC, dense block)", () -> sums(x, ChannelRows.dense(dy, c), dx,
                lastRead, rows, c, Scale.of(gamma, beta, mean, var, eps), mean, true, dgamma, dbeta));
    }

    /**
     * out = dx - sumTerm - xhat xhatTerm per channel: the rest of a dense block's BN backward for maps
     * that every reader has added its a dy' to (the terms summed over those readers).
     */
    static void finishGradient(ChannelRows x, ChannelRows dx, ChannelRows out, int rows, int c, float[] mean,
                               float[] invStd, float[] sumTerm, float[] xhatTerm) {
        float[] means = tile(mean), invStds = tile(invStd), s = tile(sumTerm), sx = tile(xhatTerm);
        KernelClock.time("batchnorm_relu backward (NHWC, dense block, finish)", () -> RowBlocks.inParallel(rows, c, x, dx,
                (first, width, xs, gs) -> {
                    for (int i = 0; i < width; i++) {
                        gs[i] -= s[i] + (xs[i] - means[i]) * invStds[i] * sx[i];
                    }
                    out.store(first, width / c, c, gs);
                }));
    }

    /**
     * dbeta = sum(dy') and dgamma = sum(dy' xhat) for dy' = dy masked by the ReLU (when {@code relu});
     * with {@code addTo}, a dy' also added to it in the same pass (for its last maps, to {@code lastRead} where given).
     */
    private static void sums(ChannelRows x, ChannelRows dy, ChannelRows addTo, PendingMaps lastRead, int rows, int c,
                             Scale scale, float[] mean, boolean relu, float[] dgamma, float[] dbeta) {
        int kept = lastRead == null ? c : c - lastRead.channels();
        float[] as = tile(scale.a()), bs = tile(scale.b()), means = tile(mean), invStds = tile(scale.invStd());
        double[][][] sums = perPart(rows, c, 2, (part, acc) -> RowBlocks.forEachBlock(rows, part, c, x, dy, acc,
                (first, width, xs, gs) -> {
                    if (relu) {
                        mask(gs, xs, as, bs, width);
                    }
                    float[] s = acc.accumulators[0];
                    float[] sx = acc.accumulators[1];
                    for (int i = 0; i < width; i++) {
                        s[i] += gs[i];
                        sx[i] += gs[i] * (xs[i] - means[i]) * invStds[i];
                    }
                    if (addTo != null) {
                        float[] held = RowBlocks.held();
                        addTo.load(first, width / c, c, held);
                        for (int i = 0; i < width; i++) {
                            held[i] += as[i] * gs[i];
                        }
                        addTo.storeChannels(first, width / c, c, 0, kept, held);
                        if (lastRead != null) {
                            lastRead.gradients().storeChannels(first, width / c, c, kept, lastRead.channels(), held);
                            lastRead.maps().storeChannels(first, width / c, c, kept, lastRead.channels(), xs);
                        }
                    }
                }));
        for (int ch = 0; ch < c; ch++) {
            dbeta[ch] = (float) total(sums, 0, ch);
            dgamma[ch] = (float) total(sums, 1, ch);
        }
    }

    /** Per channel: 1 / sqrt(var + eps), and the a and b of y = a x + b. */
    record Scale(float[] invStd, float[] a, float[] b) {
        static Scale of(float[] gamma, float[] beta, float[] mean, float[] var, double eps) {
            int c = gamma.length;
            float[] invStd = new float[c];
            float[] a = new float[c];
            float[] b = new float[c];
            for (int ch = 0; ch < c; ch++) {
                invStd[ch] = invStd(var[ch], eps);
                a[ch] = gamma[ch] * invStd[ch];
                b[ch] = beta[ch] - mean[ch] * a[ch];
            }
            return new Scale(invStd, a, b);
        }

        /** 1 / sqrt(var + eps), as every pass that normalises computes it (backward's xhat must be forward's). */
        static float invStd(float var, double eps) {
            return (float) (1 / Math.sqrt(var + eps));
        }
    }

    /** y = a x + b per channel, with the ReLU when asked. */
    private static void affine(ChannelRows x, FloatBuffer y, int rows, int c, Scale scale, boolean relu) {
        float[] as = tile(scale.a()), bs = tile(scale.b());
        float low = relu ? 0f : Float.NEGATIVE_INFINITY;
        RowBlocks.inParallel(rows, c, x, null, (first, width, xs, unused) -> {
            for (int i = 0; i < width; i++) {
                xs[i] = Math.max(low, as[i] * xs[i] + bs[i]);
            }
            y.put(first * c, xs, 0, width);
        });
    }

    /** g where the output a x + b was positive, else 0 (see the class comment). */
    private static void mask(float[] g, float[] xs, float[] as, float[] bs, int width) {
        for (int i = 0; i < width; i++) {
            g[i] *= Math.min(1f, Math.max(0f, as[i] * xs[i] + bs[i]) * HUGE);
        }
    }
}
