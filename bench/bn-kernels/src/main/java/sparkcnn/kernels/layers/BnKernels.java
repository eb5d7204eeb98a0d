package sparkcnn.kernels.layers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import sparkcnn.kernels.backend.NativeBackend;

/**
 * ns per value of one BN-ReLU over dense NHWC activations, training forward and backward: what
 * {@link DenseBatchNorm} runs (oneDNN's kernel where it has one for the shape) against the Java kernel
 * ({@link ChannelsLastBatchNormReluKernel}: two passes each way).
 * Medians of 15 runs after 5 warm-ups, the sides alternating.
 */
public final class BnKernels {
    private static final int WARMUP = 5;
    private static final int RUNS = 15;

    public static void main(String[] args) {
        int threads = Integer.getInteger("threads", 2);
        NativeBackend.init(threads);
        System.out.println("| shape (NHWC) | threads | side | forward ns/value | backward ns/value |");
        System.out.println("| --- | ---: | --- | ---: | ---: |");
        for (long[] shape : new long[][] {{64, 32, 32, 48}, {64, 16, 16, 48}, {64, 8, 8, 48}, {16, 28, 28, 128},
                {16, 14, 14, 128}, {64, 32, 32, 84}}) {
            measure(shape, threads);
        }
    }

    private static void measure(long[] shape, int threads) {
        int rows = (int) (shape[0] * shape[1] * shape[2]);
        int c = (int) shape[3];
        INDArray x = Nd4j.randn(DataType.FLOAT, shape).addi(0.3), y = Nd4j.create(DataType.FLOAT, shape);
        INDArray dy = Nd4j.randn(DataType.FLOAT, shape), dx = Nd4j.create(DataType.FLOAT, shape);
        float[] gamma = new float[c], beta = new float[c], mean = new float[c], var = new float[c];
        float[] dgamma = new float[c], dbeta = new float[c];
        Arrays.fill(gamma, 1f);
        var dense = new DenseBatchNorm("bench", 1e-5, true);
        List<double[]> onednn = new ArrayList<>(), java = new ArrayList<>();
        for (int run = 0; run < WARMUP + RUNS; run++) {
            long t0 = System.nanoTime();
            dense.forwardTraining(x, y, gamma, beta, mean, var);
            long t1 = System.nanoTime();
            dense.backward(x, dy, dx, gamma, beta, mean, var, dgamma, dbeta);
            long t2 = System.nanoTime();
            ChannelsLastBatchNormReluKernel.forwardTraining(Plain.floats(x), Plain.floats(y), rows, c, gamma, beta, 1e-5,
                    true, mean, var);
            long t3 = System.nanoTime();
            ChannelsLastBatchNormReluKernel.backward(Plain.floats(x), Plain.floats(dy), Plain.floats(dx), rows, c, gamma,
                    beta, mean, var, 1e-5, true, dgamma, dbeta);
            long t4 = System.nanoTime();
            if (run >= WARMUP) {
                onednn.add(new double[] {t1 - t0, t2 - t1});
                java.add(new double[] {t3 - t2, t4 - t3});
            }
        }
        double values = (double) rows * c;
        String name = Arrays.toString(shape);
        System.out.printf("| %s | %d | DenseBatchNorm (%s) | %.2f | %.2f |%n", name, threads, dense.implementation(x),
                median(onednn, 0) / values,
                median(onednn, 1) / values);
        System.out.printf("| %s | %d | Java kernel | %.2f | %.2f |%n", name, threads, median(java, 0) / values,
                median(java, 1) / values);
    }

    private static double median(List<double[]> runs, int which) {
        double[] v = runs.stream().mapToDouble(r -> r[which]).sorted().toArray();
        return v[v.length / 2];
    }
}
