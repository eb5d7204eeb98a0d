package sparkcnn.driver.train;

import java.io.Serializable;
import sparkcnn.kernels.data.Preprocessing;

/**
 * Synchronous parameter averaging: {@code workers} tasks each fit {@code averagingFrequency}
 * minibatches of {@code batchSizePerWorker} examples from the same starting point, then parameters
 * (and, with {@code averageUpdater}, the updater state: momentum, Adam's moments) are averaged.
 * Frequency 1 is close to large-batch SGD; larger frequencies communicate less but let the workers
 * drift apart. Results are summed in a tree of {@code aggregationDepth} levels, so the driver
 * receives a few partial sums rather than every worker's parameters.
 */
public record AveragingSettings(int workers, int batchSizePerWorker, int averagingFrequency, int workerThreads,
                                long seed, int classes, Preprocessing preprocessing, boolean averageUpdater,
                                int aggregationDepth) implements Serializable {

    /** Without augmentation, pixels scaled to [0, 1]; updater state averaged, depth-2 tree. */
    public AveragingSettings(int workers, int batchSizePerWorker, int averagingFrequency, int workerThreads,
                             long seed, int classes, int channels) {
        this(workers, batchSizePerWorker, averagingFrequency, workerThreads, seed, classes,
                Preprocessing.scaleOnly(channels), true, 2);
    }

    public AveragingSettings {
        positive("workers", workers);
        positive("batch size per worker", batchSizePerWorker);
        positive("averaging frequency", averagingFrequency);
        positive("worker threads", workerThreads);
        positive("classes", classes);
        positive("aggregation depth", aggregationDepth);
    }

    /**
     * The augmentation seed of {@code shard} in {@code epoch}: minibatch b of a worker augments with
     * this plus its first position in the epoch, so a round recomputed anywhere augments alike.
     */
    public long augmentSeed(int epoch, sparkcnn.driver.data.Shard shard) {
        return seed ^ (epoch * 0x9E3779B97F4A7C15L) ^ (shard.size() == 0 ? 0 : shard.firstId() << 20);
    }

    /** Examples one worker fits in one round. */
    public int examplesPerWorkerRound() {
        return batchSizePerWorker * averagingFrequency;
    }

    /** Rounds needed for every worker to pass once over a block of {@code largestBlock} examples. */
    public int roundsPerEpoch(int largestBlock) {
        return (largestBlock + examplesPerWorkerRound() - 1) / examplesPerWorkerRound();
    }

    private static void positive(String what, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(what + " must be >= 1, got " + value);
        }
    }
}
