package sparkcnn.kernels.layers;

import java.nio.FloatBuffer;

/**
 * Some of a dense block's maps, and their gradient as the readers so far have summed it, waiting
 * for the finishing pass ({@link BlockStatistics#finish}): rows of {@code channels} maps, where they
 * lie in the block's buffers or copied dense by their last reader.
 */
record PendingMaps(int channels, ChannelRows maps, ChannelRows gradients) {
    /** Maps [first, first + count) where they lie in the block buffer and its gradient, rows of {@code width}. */
    static PendingMaps inBlock(FloatBuffer buffer, FloatBuffer gradients, int width, int first, int count) {
        return new PendingMaps(count, ChannelRows.slice(buffer, width, first), ChannelRows.slice(gradients, width, first));
    }

    /** count maps copied dense into {@code maps}, and their gradient into {@code gradients}. */
    static PendingMaps dense(FloatBuffer maps, FloatBuffer gradients, int count) {
        return new PendingMaps(count, ChannelRows.dense(maps, count), ChannelRows.dense(gradients, count));
    }
}
