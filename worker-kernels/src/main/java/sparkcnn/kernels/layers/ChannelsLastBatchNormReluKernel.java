package sparkcnn.kernels.layers;

import java.nio.FloatBuffer;

/**
 * {@link BatchNormReluKernel}'s batch normalisation + ReLU over an NHWC float tensor: M = N H W rows
 * of C channels each. A row's channels are adjacent, so every pass runs down blocks of rows with
 * the channels as the vector lanes; the threads take contiguous ranges of rows and add their
 * per-channel sums at the end. The same formulas as the NCHW kernel; the statistics in one pass,
 * shifted by the first row (sums of x - k and (x - k)^2 in float per block, double across blocks),
 * which keeps the variance exact enough when the mean is large against the spread.
 */
final class ChannelsLastBatchNormReluKernel {
    /** Rows per block: a block of x and one of dy stay in L1/L2 for the widest DenseNet layers. */
    private static final int BLOCK_ROWS = 32;
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    private ChannelsLastBatchNormReluKernel() {
    }

    /** Training forward: writes y, and each channel's batch mean and (biased) variance. */
    static void forwardTraining(FloatBuffer x, FloatBuffer y, int rows, int c, float[] gamma, float[] beta, double eps,
                                boolean relu, float[] mean, float[] var) {
        KernelClock.time("batchnorm_relu forward (training, NHWC)", () -> {
            float[] shift = new float[c];
            x.get(0, shift, 0, c);
            int parts = parts(rows);
            double[][] sums = new double[parts][c];
            double[][] squares = new double[parts][c];
            BatchNormReluKernel.inParallel(parts, part -> {
                float[] s = new float[c];
                float[] q = new float[c];
                forEachBlock(rows, parts, part, c, (first, count) -> {
                    float[] xs = load(x, first, count, c, 0);
                    java.util.Arrays.fill(s, 0f);
                    java.util.Arrays.fill(q, 0f);
                    for (int r = 0; r < count; r++) {
                        int row = r * c;
                        for (int ch = 0; ch < c; ch++) {
                            float d = xs[row + ch] - shift[ch];
                            s[ch] += d;
                            q[ch] += d * d;
                        }
                    }
                    for (int ch = 0; ch < c; ch++) {
                        sums[part][ch] += s[ch];
                        squares[part][ch] += q[ch];
                    }
                });
            });
            float[] a = new float[c];
            float[] b = new float[c];
            for (int ch = 0; ch < c; ch++) {
                double s = 0, q = 0;
                for (int part = 0; part < parts; part++) {
                    s += sums[part][ch];
                    q += squares[part][ch];
                }
                double meanShifted = s / rows;
                mean[ch] = (float) (shift[ch] + meanShifted);
                var[ch] = (float) Math.max(0, q / rows - meanShifted * meanShifted);
                a[ch] = (float) (gamma[ch] / Math.sqrt(var[ch] + eps));
                b[ch] = beta[ch] - mean[ch] * a[ch];
            }
            affine(x, y, rows, c, a, b, relu);
        });
    }

    /** Inference forward with the running statistics. */
    static void forwardInference(FloatBuffer x, FloatBuffer y, int rows, int c, float[] gamma, float[] beta,
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
        KernelClock.time("batchnorm_relu backward (NHWC)", () -> {
            float[] invStd = new float[c];
            float[] a = new float[c];
            float[] b = new float[c];
            for (int ch = 0; ch < c; ch++) {
                invStd[ch] = (float) (1 / Math.sqrt(var[ch] + eps));
                a[ch] = gamma[ch] * invStd[ch];
                b[ch] = beta[ch] - mean[ch] * a[ch];
            }
            int parts = parts(rows);
            double[][] sumG = new double[parts][c];
            double[][] sumGx = new double[parts][c];
            BatchNormReluKernel.inParallel(parts, part -> {
                float[] s = new float[c];
                float[] sx = new float[c];
                forEachBlock(rows, parts, part, c, (first, count) -> {
                    float[] xs = load(x, first, count, c, 0);
                    float[] gs = load(dy, first, count, c, 1);
                    java.util.Arrays.fill(s, 0f);
                    java.util.Arrays.fill(sx, 0f);
                    for (int r = 0; r < count; r++) {
                        int row = r * c;
                        for (int ch = 0; ch < c; ch++) {
                            float g = relu ? masked(gs[row + ch], a[ch] * xs[row + ch] + b[ch]) : gs[row + ch];
                            s[ch] += g;
                            sx[ch] += g * (xs[row + ch] - mean[ch]) * invStd[ch];
                        }
                    }
                    for (int ch = 0; ch < c; ch++) {
                        sumG[part][ch] += s[ch];
                        sumGx[part][ch] += sx[ch];
                    }
                });
            });
            float[] totalG = new float[c];
            float[] totalGx = new float[c];
            float[] k = new float[c];
            for (int ch = 0; ch < c; ch++) {
                double s = 0, sx = 0;
                for (int part = 0; part < parts; part++) {
                    s += sumG[part][ch];
                    sx += sumGx[part][ch];
                }
                totalG[ch] = (float) s;
                totalGx[ch] = (float) sx;
                dbeta[ch] = totalG[ch];
                dgamma[ch] = totalGx[ch];
                k[ch] = a[ch] / rows;
            }
            float m = rows;
            BatchNormReluKernel.inParallel(parts, part -> forEachBlock(rows, parts, part, c, (first, count) -> {
                float[] xs = load(x, first, count, c, 0);
                float[] gs = load(dy, first, count, c, 1);
                for (int r = 0; r < count; r++) {
                    int row = r * c;
                    for (int ch = 0; ch < c; ch++) {
                        float g = relu ? masked(gs[row + ch], a[ch] * xs[row + ch] + b[ch]) : gs[row + ch];
                        float xhat = (xs[row + ch] - mean[ch]) * invStd[ch];
                        gs[row + ch] = k[ch] * (m * g - totalG[ch] - xhat * totalGx[ch]);
                    }
                }
                dx.put(first * c, gs, 0, count * c);
            }));
        });
    }

    /** y = a x + b per channel, with the ReLU when asked. */
    private static void affine(FloatBuffer x, FloatBuffer y, int rows, int c, float[] a, float[] b, boolean relu) {
        int parts = parts(rows);
        BatchNormReluKernel.inParallel(parts, part -> forEachBlock(rows, parts, part, c, (first, count) -> {
            float[] xs = load(x, first, count, c, 0);
            for (int r = 0; r < count; r++) {
                int row = r * c;
                if (relu) {
                    for (int ch = 0; ch < c; ch++) {
                        xs[row + ch] = Math.max(0f, a[ch] * xs[row + ch] + b[ch]);
                    }
                } else {
                    for (int ch = 0; ch < c; ch++) {
                        xs[row + ch] = a[ch] * xs[row + ch] + b[ch];
                    }
                }
            }
            y.put(first * c, xs, 0, count * c);
        }));
    }

    /** dy where the output {@code z} was positive, else 0, without a branch. */
    private static float masked(float dy, float z) {
        int bits = Float.floatToRawIntBits(z);
        return Float.intBitsToFloat(Float.floatToRawIntBits(dy) & ((~bits & -bits) >> 31));
    }

    @FunctionalInterface
    private interface Block {
        void rows(int first, int count);
    }

    /** The blocks of rows of one part of {@code parts} contiguous ranges. */
    private static void forEachBlock(int rows, int parts, int part, int c, Block block) {
        int from = (int) ((long) rows * part / parts);
        int to = (int) ((long) rows * (part + 1) / parts);
        for (int first = from; first < to; first += BLOCK_ROWS) {
            block.rows(first, Math.min(BLOCK_ROWS, to - first));
        }
    }

    private static int parts(int rows) {
        return Math.max(1, Math.min(Threads.perWorker(), rows / BLOCK_ROWS));
    }

    private static float[] load(FloatBuffer from, int first, int count, int c, int which) {
        float[][] arrays = SCRATCH.get();
        if (arrays[which].length < BLOCK_ROWS * c) {
            arrays[which] = new float[BLOCK_ROWS * c];
        }
        from.get(first * c, arrays[which], 0, count * c);
        return arrays[which];
    }
}
