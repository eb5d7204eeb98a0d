package sparkcnn.kernels.layers;

import java.nio.FloatBuffer;

/**
 * Batch normalisation with an optional ReLU after it, over an NCHW float tensor, one channel at a
 * time as PyTorch's CPU kernel does: a channel's N x H x W values are copied into a scratch array
 * that stays in cache, its statistics take two passes, its output one; backward takes one pass for
 * the two sums and one for the input gradient, with the ReLU mask recomputed from the input rather
 * than kept. Channels run in parallel on a pool of the worker's threads.
 *
 * <p>Training forward, for channel c over its M = N H W values:
 * <pre>
 *   mean = sum(x) / M,  var = sum((x - mean)^2) / M,  xhat = (x - mean) / sqrt(var + eps)
 *   y = max(0, gamma xhat + beta)
 * </pre>
 * Backward, with g = dy where y &gt; 0 (else 0):
 * <pre>
 *   dbeta = sum(g),  dgamma = sum(g xhat)
 *   dx = gamma / (M sqrt(var + eps)) (M g - dbeta - xhat dgamma)
 * </pre>
 */
public final class BatchNormReluKernel {
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    private BatchNormReluKernel() {
    }

    /** An NCHW tensor's shape. */
    public record Shape(int n, int c, int plane) {
        int values() {
            return n * plane;
        }

        int offset(int example, int channel) {
            return (example * c + channel) * plane;
        }
    }

    /** Training forward: writes y, and each channel's batch mean and (biased) variance. */
    public static void forwardTraining(FloatBuffer x, FloatBuffer y, Shape s, float[] gamma, float[] beta, double eps,
                                       boolean relu, float[] mean, float[] var) {
        forEachChannel("batchnorm_relu forward (training)", s.c(), c -> {
            int m = s.values();
            float[] xs = scratch(0, m);
            load(x, s, c, xs);
            float mu = sum(xs, m) / m;
            float variance = squaredDeviations(xs, m, mu) / m;
            mean[c] = mu;
            var[c] = variance;
            float a = (float) (gamma[c] / Math.sqrt(variance + eps));
            affine(xs, m, a, beta[c] - mu * a, relu);
            store(y, s, c, xs);
        });
    }

    /** Inference forward with the running statistics. */
    public static void forwardInference(FloatBuffer x, FloatBuffer y, Shape s, float[] gamma, float[] beta,
                                        float[] runningMean, float[] runningVar, double eps, boolean relu) {
        forEachChannel("batchnorm_relu forward (inference)", s.c(), c -> {
            float[] xs = scratch(0, s.values());
            load(x, s, c, xs);
            float a = (float) (gamma[c] / Math.sqrt(runningVar[c] + eps));
            float b = beta[c] - runningMean[c] * a;
            affine(xs, s.values(), a, b, relu);
            store(y, s, c, xs);
        });
    }

    /**
     * Backward: writes dx, dgamma and dbeta, from the input, dy and the batch statistics of the
     * forward. Simple loops over the channel's values in cache, each one that the JIT vectorises
     * or that keeps eight sums running side by side.
     */
    public static void backward(FloatBuffer x, FloatBuffer dy, FloatBuffer dx, Shape s, float[] gamma, float[] beta,
                                float[] mean, float[] var, double eps, boolean relu, float[] dgamma, float[] dbeta) {
        forEachChannel("batchnorm_relu backward", s.c(), c -> {
            int m = s.values();
            float[] xs = scratch(0, m);
            float[] gs = scratch(1, m);
            load(x, s, c, xs);
            load(dy, s, c, gs);
            float invStd = (float) (1 / Math.sqrt(var[c] + eps));
            float mu = mean[c];
            float a = gamma[c] * invStd;
            float b = beta[c] - mu * a;
            if (relu) { // the ReLU's gradient: dy where the output was positive
                for (int i = 0; i < m; i++) {
                    // without a branch (half of them mispredicted): all ones where a x + b > 0
                    int y = Float.floatToRawIntBits(a * xs[i] + b);
                    gs[i] = Float.intBitsToFloat(Float.floatToRawIntBits(gs[i]) & ((~y & -y) >> 31));
                }
            }
            for (int i = 0; i < m; i++) {
                xs[i] = (xs[i] - mu) * invStd; // xhat
            }
            float sumG = sum(gs, m);
            float sumGx = dot(gs, xs, m);
            dbeta[c] = sumG;
            dgamma[c] = sumGx;
            float k = a / m;
            for (int i = 0; i < m; i++) {
                gs[i] = k * (m * gs[i] - sumG - xs[i] * sumGx);
            }
            store(dx, s, c, gs);
        });
    }

    /** The sum of {@code a[0..m)}, in eight running sums that the processor adds side by side. */
    static float sum(float[] a, int m) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int i = 0;
        for (; i + 8 <= m; i += 8) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
            s4 += a[i + 4];
            s5 += a[i + 5];
            s6 += a[i + 6];
            s7 += a[i + 7];
        }
        for (; i < m; i++) {
            s0 += a[i];
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    /** The sum of {@code (a[i] - mu)^2}, as {@link #sum}. */
    static float squaredDeviations(float[] a, int m, float mu) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int i = 0;
        for (; i + 8 <= m; i += 8) {
            float d0 = a[i] - mu, d1 = a[i + 1] - mu, d2 = a[i + 2] - mu, d3 = a[i + 3] - mu;
            float d4 = a[i + 4] - mu, d5 = a[i + 5] - mu, d6 = a[i + 6] - mu, d7 = a[i + 7] - mu;
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
            s4 += d4 * d4;
            s5 += d5 * d5;
            s6 += d6 * d6;
            s7 += d7 * d7;
        }
        for (; i < m; i++) {
            float d = a[i] - mu;
            s0 += d * d;
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    /** The sum of {@code a[i] b[i]}, as {@link #sum}. */
    static float dot(float[] a, float[] b, int m) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int i = 0;
        for (; i + 8 <= m; i += 8) {
            s0 += a[i] * b[i];
            s1 += a[i + 1] * b[i + 1];
            s2 += a[i + 2] * b[i + 2];
            s3 += a[i + 3] * b[i + 3];
            s4 += a[i + 4] * b[i + 4];
            s5 += a[i + 5] * b[i + 5];
            s6 += a[i + 6] * b[i + 6];
            s7 += a[i + 7] * b[i + 7];
        }
        for (; i < m; i++) {
            s0 += a[i] * b[i];
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    private static void affine(float[] xs, int m, float a, float b, boolean relu) {
        if (relu) {
            for (int i = 0; i < m; i++) {
                xs[i] = Math.max(0f, a * xs[i] + b);
            }
        } else {
            for (int i = 0; i < m; i++) {
                xs[i] = a * xs[i] + b;
            }
        }
    }

    private static void load(FloatBuffer from, Shape s, int c, float[] to) {
        for (int n = 0; n < s.n(); n++) {
            from.get(s.offset(n, c), to, n * s.plane(), s.plane());
        }
    }

    private static void store(FloatBuffer to, Shape s, int c, float[] from) {
        for (int n = 0; n < s.n(); n++) {
            to.put(s.offset(n, c), from, n * s.plane(), s.plane());
        }
    }

    private static float[] scratch(int which, int size) {
        float[][] arrays = SCRATCH.get();
        if (arrays[which].length < size) {
            arrays[which] = new float[size];
        }
        return arrays[which];
    }

    /** Runs {@code body} for every channel on the worker's threads (in this thread when there is one). */
    private static void forEachChannel(String kernel, int channels, java.util.function.IntConsumer body) {
        KernelClock.time(kernel, () -> Threads.inParallel(channels, body));
    }
}
