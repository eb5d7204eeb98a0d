package sparkcnn.kernels.train;

import org.deeplearning4j.nn.graph.ComputationGraph;
import sparkcnn.kernels.data.ExampleBlock;
import sparkcnn.kernels.data.Preprocessing;

/**
 * One worker's part of a round: start from the broadcast state, fit consecutive minibatches of its
 * own examples, and hand back the resulting parameters and updater state, with the minibatches' mean
 * cross-entropy (the data's loss, without weight decay's penalty).
 */
public final class WorkerStep {
    private WorkerStep() {
    }

    /**
     * The order in which a worker visits its shard in {@code epoch}: a fresh permutation each epoch,
     * fixed by the seed, the epoch and the shard's first example id, wherever it is computed.
     */
    public static int[] epochOrder(ExampleBlock shard, long seed, int epoch) {
        return epochOrder(shard.size(), shard.size() == 0 ? 0 : shard.ids()[0], seed, epoch);
    }

    /** The same order for a shard of {@code size} examples whose first id is {@code firstId}, not yet read. */
    public static int[] epochOrder(int size, long firstId, long seed, int epoch) {
        long mixed = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + firstId;
        return ExampleBlock.shuffledOrder(size, mixed);
    }

    /**
     * What a round does to the live network halfway through its minibatches (after the first
     * ceil(n/2) of n): overlapped averaging moves it onto the average that arrived meanwhile.
     */
    @FunctionalInterface
    public interface Midway {
        void apply(ComputationGraph graph);
    }

    /** Fits without augmentation, pixels scaled to [0, 1]. */
    public static RoundResult fit(ModelState start, ExampleBlock block, int[] order, int from, int to,
                                  int batchSize, int classes) {
        return fit(start, block, order, from, to, batchSize, classes, Preprocessing.scaleOnly(block.shape().depth()), 0);
    }

    /**
     * Fits the examples {@code order[from..to)} of {@code block} in minibatches of {@code batchSize}
     * (the last one may be smaller), starting from {@code start}; {@code seed} fixes the augmentation.
     */
    public static RoundResult fit(ModelState start, ExampleBlock block, int[] order, int from, int to,
                                  int batchSize, int classes, Preprocessing pre, long seed) {
        return fit(start, block, order, from, to, batchSize, classes, pre, seed, null);
    }

    /** As above, with {@code midway} (where not null) applied halfway through the round's minibatches. */
    public static RoundResult fit(ModelState start, ExampleBlock block, int[] order, int from, int to,
                                  int batchSize, int classes, Preprocessing pre, long seed, Midway midway) {
        if (from >= to) {
            return RoundResult.empty();
        }
        long t0 = System.nanoTime();
        ComputationGraph graph = WorkerNets.borrow(start);
        try {
            double lossSum = 0;
            int minibatches = 0;
            int half = ((to - from + batchSize - 1) / batchSize + 1) / 2;
            for (int b = from; b < to; b += batchSize) {
                // DL4J's score adds L2 decay's penalty; the loss is reported without it, as PyTorch reports it
                double penalty = graph.calcRegularizationScore(true);
                graph.fit(block.minibatch(order, b, Math.min(b + batchSize, to), classes, pre, seed + b));
                lossSum += graph.score() - penalty;
                minibatches++;
                if (minibatches == half && midway != null) {
                    midway.apply(graph);
                }
            }
            return new RoundResult(graph.params().toFloatVector(), WorkerNets.updaterState(graph), 1,
                    lossSum, minibatches, to - from, (System.nanoTime() - t0) / 1e9);
        } finally {
            WorkerNets.release(start, graph);
        }
    }
}
