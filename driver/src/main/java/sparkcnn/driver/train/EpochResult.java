package sparkcnn.driver.train;

import java.util.Arrays;
import sparkcnn.kernels.eval.EvalCounts;

/** One epoch's outcome, as its {@code "event":"epoch"} line of metrics.jsonl records it. */
public record EpochResult(int epoch, double trainLoss, EvalCounts test, double seconds, double trainSeconds,
                          long examples, long examplesSeen) {

    public double trainImagesPerSecond() {
        return examples / trainSeconds;
    }

    /** Accuracy per true class (NaN for a class without test examples). */
    public static double[] perClassAccuracy(EvalCounts counts) {
        double[] accuracy = new double[counts.confusion().length];
        for (int c = 0; c < accuracy.length; c++) {
            long total = Arrays.stream(counts.confusion()[c]).sum();
            accuracy[c] = total == 0 ? Double.NaN : (double) counts.confusion()[c][c] / total;
        }
        return accuracy;
    }
}
