package sparkcnn.kernels.layers;

import java.nio.FloatBuffer;

/**
 * Batch normalisation + ReLU over an NHWC float tensor: M = N H W rows
 * of C channels each. Every pass runs down blocks of rows as one flat run of values, with each
 * per-channel constant repeated across the block ({@link #tile}), so the loops are long and the JIT
 * vectorises them whatever C is (row by row, C = 24..84 is too short a loop to vectorise). Sums
 * stay per position and fold into per-channel sums every so many blocks. The threads take
 * contiguous ranges of rows. The formulas of the NCHW reference kernel in the tests
 * (BatchNormReluKernel, PyTorch's way); the statistics in one pass, shifted by the first row (sums of x - k and (x - k)^2), which keeps the variance exact when the
 * mean is large against the spread.
 *
 * <p>The ReLU's gradient is dy times min(1, max(0, z) 2^126) for the output z = a x + b: 1 for every
 * positive normal float, 0 otherwise, in float operations the JIT vectorises (a branch, a
 * conditional move or a bit mask on the sign runs one value at a time, 4x slower), as a loop of its
 * own: folded into the loops of the sums it stopped them vectorising (3x slower).
 */
final class ChannelsLastBatchNormReluKernel {
    /** Rows per block: a block of x and one of dy stay in L1/L2 for a DenseNet's widest layers. */
    private static final int BLOCK_ROWS = 32;
    /** Blocks summed in float before the sums move to double. */
    private static final int BLOCKS_PER_FOLD = 64;
    private static final float HUGE = 0x1p126f;
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[3][0]);

    private ChannelsLastBatchNormReluKernel() {
    }

    /** Training forward: writes y, and each channel's batch mean and (biased) variance. */
    static void forwardTraining(FloatBuffer x, FloatBuffer y, int rows, int c, float[] gamma, float[] beta, double eps,
                                boolean relu, float[] mean, float[] var) {
        forwardTraining(ChannelRows.dense(x, c), y, rows, c, gamma, beta, eps, relu, mean, var);
    }

    /** Training forward of rows that may be a channel prefix of a wider buffer; y is dense. */
    static void forwardTraining(ChannelRows x, FloatBuffer y, int rows, int c, float[] gamma, float[] beta, double eps,
                                boolean relu, float[] mean, float[] var) {
        KernelClock.time("batchnorm_relu forward (training, NHWC)", () -> {
            float[] shift = new float[c];
            x.values().get(0, shift, 0, c);
            float[] shifts = tile(shift);
            double[][][] sums = perPart(rows, c, 2, (part, acc) -> forEachBlock(rows, part, c, x, null, acc, (first, width, xs, unused) -> {
                float[] s = acc.accumulators[0];
                float[] q = acc.accumulators[1];
                for (int i = 0; i < width; i++) {
                    float d = xs[i] - shifts[i];
                    s[i] += d;
                    q[i] += d * d;
                }
            }));
            float[] a = new float[c];
            float[] b = new float[c];
            for (int ch = 0; ch < c; ch++) {
                double meanShifted = total(sums, 0, ch) / rows;
                mean[ch] = (float) (shift[ch] + meanShifted);
                var[ch] = (float) Math.max(0, total(sums, 1, ch) / rows - meanShifted * meanShifted);
                a[ch] = (float) (gamma[ch] / Math.sqrt(var[ch] + eps));
                b[ch] = beta[ch] - mean[ch] * a[ch];
            }
            affine(x, y, rows, c, a, b, relu);
        });
    }

    /** Inference forward with the running statistics. */
    static void forwardInference(FloatBuffer x, FloatBuffer y, int rows, int c, float[] gamma, float[] beta,
                                 float[] runningMean, float[] runningVar, double eps, boolean relu) {
        forwardInference(ChannelRows.dense(x, c), y, rows, c, gamma, beta, runningMean, runningVar, eps, relu);
    }

    /**
     * Forward with given statistics (the running ones, or a training pass's batch statistics when
     * a dense block recomputes its BN-ReLU output in backward: the same values, bit for bit).
     */
    static void forwardInference(ChannelRows x, FloatBuffer y, int rows, int c, float[] gamma, float[] beta,
                                 float[] runningMean, float[] runningVar, double eps, boolean relu) {
        KernelClock.time("batchnorm_relu forward (inference, NHWC)", () -> {
            float[] a = new float[c];
            float[] b = new float[c];
            for (int ch = 0; ch < c; ch++) {
                a[ch] = (float) (gamma[ch] / Math.sqrt(runningVar[ch] + eps));
                b[ch] = beta[ch] - runningMean[ch] * a[ch];
            }
            affine(x, y, rows, c, a, b, relu);
        });
    }

    /** Backward: writes dx, dgamma and dbeta; one pass for the two sums, one for dx. */
    static void backward(FloatBuffer x, FloatBuffer dy, FloatBuffer dx, int rows, int c, float[] gamma, float[] beta,
                         float[] mean, float[] var, double eps, boolean relu, float[] dgamma, float[] dbeta) {
        backward(ChannelRows.dense(x, c), dy, ChannelRows.dense(dx, c), false, rows, c, gamma, beta, mean, var, eps, relu, dgamma, dbeta);
    }

    /**
     * Backward where x and dx may be channel prefixes of wider buffers; with {@code accumulate} dx
     * is added to what dx holds (a dense block's gradient buffer, which every later layer adds to).
     */
    static void backward(ChannelRows x, FloatBuffer dy, ChannelRows dx, boolean accumulate, int rows, int c, float[] gamma,
                         float[] beta, float[] mean, float[] var, double eps, boolean relu, float[] dgamma, float[] dbeta) {
        KernelClock.time("batchnorm_relu backward (NHWC)", () -> {
            Scale scale = Scale.of(gamma, beta, mean, var, eps);
            float[] a = scale.a();
            float[] as = tile(a), bs = tile(scale.b()), means = tile(mean), invStds = tile(scale.invStd());
            double[][][] sums = perPart(rows, c, 2, (part, acc) -> forEachBlock(rows, part, c, x, dy, acc, (first, width, xs, gs) -> {
                if (relu) {
                    mask(gs, xs, as, bs, width);
                }
                float[] s = acc.accumulators[0];
                float[] sx = acc.accumulators[1];
                for (int i = 0; i < width; i++) {
                    s[i] += gs[i];
                    sx[i] += gs[i] * (xs[i] - means[i]) * invStds[i];
                }
            }));
            float[] k = new float[c];
            for (int ch = 0; ch < c; ch++) {
                dbeta[ch] = (float) total(sums, 0, ch);
                dgamma[ch] = (float) total(sums, 1, ch);
                k[ch] = a[ch] / rows;
            }
            float[] ks = tile(k), sumG = tile(dbeta), sumGx = tile(dgamma);
            float m = rows;
            Threads.inParallel(parts(rows), part -> forEachBlock(rows, part, c, x, dy, null, (first, width, xs, gs) -> {
                if (relu) {
                    mask(gs, xs, as, bs, width);
                }
                for (int i = 0; i < width; i++) {
                    float xhat = (xs[i] - means[i]) * invStds[i];
                    gs[i] = ks[i] * (m * gs[i] - sumG[i] - xhat * sumGx[i]);
                }
                if (accumulate) {
                    dx.add(first, width / c, c, gs, SCRATCH.get()[2]);
                } else {
                    dx.store(first, width / c, c, gs);
                }
            }));
        });
    }

    /** Per channel: 1 / sqrt(var + eps), and the a and b of y = a x + b. */
    private record Scale(float[] invStd, float[] a, float[] b) {
        static Scale of(float[] gamma, float[] beta, float[] mean, float[] var, double eps) {
            int c = gamma.length;
            float[] invStd = new float[c];
            float[] a = new float[c];
            float[] b = new float[c];
            for (int ch = 0; ch < c; ch++) {
                invStd[ch] = (float) (1 / Math.sqrt(var[ch] + eps));
                a[ch] = gamma[ch] * invStd[ch];
                b[ch] = beta[ch] - mean[ch] * a[ch];
            }
            return new Scale(invStd, a, b);
        }
    }

    /** y = a x + b per channel, with the ReLU when asked. */
    private static void affine(ChannelRows x, FloatBuffer y, int rows, int c, float[] a, float[] b, boolean relu) {
        float[] as = tile(a), bs = tile(b);
        float low = relu ? 0f : Float.NEGATIVE_INFINITY;
        Threads.inParallel(parts(rows), part -> forEachBlock(rows, part, c, x, null, null, (first, width, xs, unused) -> {
            for (int i = 0; i < width; i++) {
                xs[i] = Math.max(low, as[i] * xs[i] + bs[i]);
            }
            y.put(first * c, xs, 0, width);
        }));
    }

    /** g where the output a x + b was positive, else 0 (see the class comment). */
    private static void mask(float[] g, float[] xs, float[] as, float[] bs, int width) {
        for (int i = 0; i < width; i++) {
            g[i] *= Math.min(1f, Math.max(0f, as[i] * xs[i] + bs[i]) * HUGE);
        }
    }

    /** A per-channel vector repeated for every row of a block. */
    private static float[] tile(float[] perChannel) {
        int c = perChannel.length;
        float[] tiled = new float[BLOCK_ROWS * c];
        for (int r = 0; r < BLOCK_ROWS; r++) {
            System.arraycopy(perChannel, 0, tiled, r * c, c);
        }
        return tiled;
    }

    @FunctionalInterface
    private interface Block {
        /** Rows from {@code first}, {@code width} values of x and (when read) dy in this thread's scratch. */
        void run(int first, int width, float[] xs, float[] gs);
    }

    @FunctionalInterface
    private interface PartSums {
        void run(int part, Folding sums);
    }

    /**
     * Runs {@code body} for every part on the worker's threads with {@code sums} float accumulators
     * per position of a block, and returns them folded to per-channel doubles: [part][sum][channel].
     */
    private static double[][][] perPart(int rows, int c, int sums, PartSums body) {
        int parts = parts(rows);
        double[][][] totals = new double[parts][sums][c];
        Threads.inParallel(parts, part -> {
            var folding = new Folding(new float[sums][BLOCK_ROWS * c], totals[part], c);
            body.run(part, folding);
            folding.fold();
        });
        return totals;
    }

    /** Float accumulators per block position that move into per-channel doubles every so many blocks. */
    private static final class Folding {
        final float[][] accumulators;
        final double[][] totals;
        final int c;
        int blocks;

        Folding(float[][] accumulators, double[][] totals, int c) {
            this.accumulators = accumulators;
            this.totals = totals;
            this.c = c;
        }

        void afterBlock() {
            if (++blocks % BLOCKS_PER_FOLD == 0) {
                fold();
            }
        }

        void fold() {
            for (int sum = 0; sum < accumulators.length; sum++) {
                float[] acc = accumulators[sum];
                double[] total = totals[sum];
                for (int row = 0; row < BLOCK_ROWS; row++) {
                    for (int ch = 0; ch < c; ch++) {
                        total[ch] += acc[row * c + ch];
                    }
                }
                java.util.Arrays.fill(acc, 0f);
            }
        }
    }

    private static double total(double[][][] totals, int sum, int channel) {
        double t = 0;
        for (double[][] part : totals) {
            t += part[sum][channel];
        }
        return t;
    }

    /**
     * The blocks of rows of one part, x (and dy when given) loaded into this thread's scratch
     * arrays; with sums, folds them every {@link #BLOCKS_PER_FOLD} blocks.
     */
    private static void forEachBlock(int rows, int part, int c, ChannelRows x, FloatBuffer dy, Folding sums,
                                     Block block) {
        float[][] scratch = SCRATCH.get();
        for (int i = 0; i < scratch.length; i++) {
            if (scratch[i].length < BLOCK_ROWS * c) {
                scratch[i] = new float[BLOCK_ROWS * c];
            }
        }
        float[] xs = scratch[0];
        float[] gs = scratch[1];
        int parts = parts(rows);
        int from = (int) ((long) rows * part / parts);
        int to = (int) ((long) rows * (part + 1) / parts);
        for (int first = from; first < to; first += BLOCK_ROWS) {
            int width = Math.min(BLOCK_ROWS, to - first) * c;
            x.load(first, width / c, c, xs);
            if (dy != null) {
                dy.get(first * c, gs, 0, width);
            }
            block.run(first, width, xs, gs);
            if (sums != null) {
                sums.afterBlock();
            }
        }
    }

    private static int parts(int rows) {
        return Math.max(1, Math.min(Threads.perWorker(), rows / BLOCK_ROWS));
    }
}
