package sparkcnn.kernels.eval;

import org.deeplearning4j.nn.graph.ComputationGraph;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.data.CorruptImageException;
import sparkcnn.kernels.data.ExampleBlock;
import sparkcnn.kernels.data.Preprocessing;
import sparkcnn.kernels.train.ModelState;
import sparkcnn.kernels.train.WorkerNets;

/** A model's class probabilities for a block of examples, in inference mode. */
public final class Scorer {
    private Scorer() {
    }

    /** One row of {@code classes} probabilities per example of {@code block}, in stored order. */
    public static float[][] probabilities(ModelState state, ExampleBlock block, int batchSize, int classes,
                                          Preprocessing pre) {
        float[][] out = new float[block.size()][];
        ComputationGraph graph = WorkerNets.borrow(state);
        try {
            int[] order = block.storedOrder();
            for (int from = 0; from < block.size(); from += batchSize) {
                int to = Math.min(from + batchSize, block.size());
                var features = block.minibatch(order, from, to, classes, pre.forEvaluation(), 0).getFeatures();
                float[][] p = graph.outputSingle(false, features).toFloatMatrix();
                System.arraycopy(p, 0, out, from, p.length);
            }
            return out;
        } finally {
            WorkerNets.release(state, graph);
        }
    }

    /** One item's class probabilities, or why its image could not be had (probabilities null). */
    public record Scored(float[] probabilities, String error) {
    }

    /**
     * Decodes every item with {@code example} (NCHW bytes of {@code shape}; a
     * {@link CorruptImageException} for one that does not decode) and scores those that decoded
     * together; one result per item, in order.
     */
    public static <T> java.util.List<Scored> decodeAndScore(java.util.List<T> items,
                                                            java.util.function.Function<T, byte[]> example,
                                                            Volume shape, ModelState state, int batchSize, int classes,
                                                            Preprocessing pre) {
        int size = (int) shape.size();
        byte[] pixels = new byte[size * items.size()];
        String[] errors = new String[items.size()];
        int decoded = 0;
        for (int i = 0; i < items.size(); i++) {
            try {
                System.arraycopy(example.apply(items.get(i)), 0, pixels, decoded * size, size);
                decoded++;
            } catch (CorruptImageException e) {
                errors[i] = e.getMessage();
            }
        }
        var block = new ExampleBlock(new long[decoded], shape, java.util.Arrays.copyOf(pixels, decoded * size),
                new int[decoded]);
        float[][] p = probabilities(state, block, batchSize, classes, pre);
        java.util.List<Scored> out = new java.util.ArrayList<>(items.size());
        int next = 0;
        for (String error : errors) {
            out.add(error != null ? new Scored(null, error) : new Scored(p[next++], null));
        }
        return out;
    }

    /** The indices of the {@code k} largest probabilities, largest first (ties: lower index first). */
    public static int[] top(float[] p, int k) {
        int n = Math.min(k, p.length);
        int[] best = new int[n];
        boolean[] taken = new boolean[p.length];
        for (int i = 0; i < n; i++) {
            int arg = -1;
            for (int c = 0; c < p.length; c++) {
                if (!taken[c] && (arg < 0 || p[c] > p[arg])) {
                    arg = c;
                }
            }
            taken[arg] = true;
            best[i] = arg;
        }
        return best;
    }
}
