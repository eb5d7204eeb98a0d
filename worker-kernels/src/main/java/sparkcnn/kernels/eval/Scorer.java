package sparkcnn.kernels.eval;

import org.deeplearning4j.nn.graph.ComputationGraph;
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
