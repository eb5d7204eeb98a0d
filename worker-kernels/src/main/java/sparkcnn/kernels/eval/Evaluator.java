package sparkcnn.kernels.eval;

import sparkcnn.kernels.data.ExampleBlock;
import sparkcnn.kernels.data.Preprocessing;
import sparkcnn.kernels.train.ModelState;

/** Scores one block of examples with a model in inference mode. */
public final class Evaluator {
    /** Probabilities are clamped here before the log so one confident mistake cannot make the loss infinite. */
    private static final double MIN_PROBABILITY = 1e-12;

    private Evaluator() {
    }

    public static EvalCounts evaluate(ModelState state, ExampleBlock block, int batchSize, int classes,
                                      Preprocessing pre) {
        return tally(Scorer.probabilities(state, block, batchSize, classes, pre), block.labels(), classes);
    }

    /** Confusion, loss and top-5 hits of the rows of {@code probabilities} against {@code labels}, in order. */
    private static EvalCounts tally(float[][] probabilities, int[] labels, int classes) {
        EvalCounts counts = EvalCounts.empty(classes);
        double loss = 0;
        long top5 = 0;
        for (int i = 0; i < probabilities.length; i++) {
            float[] p = probabilities[i];
            int truth = labels[i];
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
