package sparkcnn.kernels.eval;

import java.io.Serializable;

/**
 * Evaluation tallies that add up across workers: the confusion matrix (rows = true class, columns =
 * predicted class), the summed cross-entropy, and how often the true class was among the top 5.
 */
public record EvalCounts(long[][] confusion, double lossSum, long top5Hits) implements Serializable {

    public static EvalCounts empty(int classes) {
        return new EvalCounts(new long[classes][classes], 0, 0);
    }

    public EvalCounts plus(EvalCounts other) {
        long[][] sum = new long[confusion.length][confusion.length];
        for (int i = 0; i < sum.length; i++) {
            for (int j = 0; j < sum.length; j++) {
                sum[i][j] = confusion[i][j] + other.confusion[i][j];
            }
        }
        return new EvalCounts(sum, lossSum + other.lossSum, top5Hits + other.top5Hits);
    }

    public long count() {
        long n = 0;
        for (long[] row : confusion) {
            for (long c : row) {
                n += c;
            }
        }
        return n;
    }

    public long correct() {
        long n = 0;
        for (int i = 0; i < confusion.length; i++) {
            n += confusion[i][i];
        }
        return n;
    }

    /** Top-1 accuracy, a fraction in [0, 1]. */
    public double accuracy() {
        return (double) correct() / count();
    }

    public double top5Accuracy() {
        return (double) top5Hits / count();
    }

    /** Mean cross-entropy per example. */
    public double meanLoss() {
        return lossSum / count();
    }
}
