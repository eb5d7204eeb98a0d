package sparkcnn.kernels.eval;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import sparkcnn.kernels.data.ExampleBlock;
import sparkcnn.kernels.data.Preprocessing;
import sparkcnn.kernels.train.ModelState;
import sparkcnn.kernels.train.WorkerNets;

/** Scores one block of examples with a model in inference mode. */
public final class Evaluator {
    /** Probabilities are clamped here before the log so one confident mistake cannot make the loss infinite. */
    private static final double MIN_PROBABILITY = 1e-12;

    private Evaluator() {
    }

    public static EvalCounts evaluate(ModelState state, ExampleBlock block, int batchSize, int classes,
                                      Preprocessing pre) {
        EvalCounts counts = EvalCounts.empty(classes);
        ComputationGraph graph = WorkerNets.borrow(state);
        try {
            int[] order = block.storedOrder();
            for (int from = 0; from < block.size(); from += batchSize) {
                DataSet batch = block.minibatch(order, from, Math.min(from + batchSize, block.size()), classes,
                        pre.forEvaluation(), 0);
                INDArray probabilities = graph.outputSingle(false, batch.getFeatures());
                counts = counts.plus(tally(probabilities.toFloatMatrix(), block, order, from, classes));
            }
            return counts;
        } finally {
            WorkerNets.release(state, graph);
        }
    }

    private static EvalCounts tally(float[][] probabilities, ExampleBlock block, int[] order, int from, int classes) {
        EvalCounts counts = EvalCounts.empty(classes);
        double loss = 0;
        long top5 = 0;
        for (int i = 0; i < probabilities.length; i++) {
            float[] p = probabilities[i];
            int truth = block.labels()[order[from + i]];
            int predicted = 0;
            int higher = 0;
            for (int c = 0; c < classes; c++) {
                if (p[c] > p[predicted]) {
                    predicted = c;
                }
                if (p[c] > p[truth]) {
                    higher++;
                }
            }
            counts.confusion()[truth][predicted]++;
            loss -= Math.log(Math.max(p[truth], MIN_PROBABILITY));
            if (higher < 5) {
                top5++;
            }
        }
        return new EvalCounts(counts.confusion(), loss, top5);
    }
}
