package sparkcnn.driver.data;

import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import sparkcnn.kernels.data.ExampleBlock;

/**
 * One worker's examples for an epoch, in the order it fits them: held in its executor's memory
 * ({@link CachedShard}) or read from files as the rounds need them, decoded ahead on background
 * threads ({@link StreamedShard}). Either way a round asks for positions {@code [from, to)} of the
 * epoch's order, which depends only on (seed, epoch, shard), so any executor computes the same.
 */
public interface Shard extends Serializable {
    /** Examples planned for the epoch (a streamed shard may reject some files as it reads them). */
    int size();

    /** An id of the shard's first example: with the seed and epoch it fixes the augmentation. */
    long firstId();

    /** The examples at positions {@code [from, to)} of {@code epoch}'s order, and the files rejected there. */
    Slice slice(long seed, int epoch, int from, int to);

    /** The examples of positions {@code [from, to)} (fewer where files were rejected) and the rejected files. */
    record Slice(ExampleBlock examples, List<String> rejected) {
    }

    /** The whole shard in slices of {@code chunk} examples, for a pass that keeps only sums (evaluation, statistics). */
    default Iterator<Slice> chunks(long seed, int epoch, int chunk) {
        return new Iterator<>() {
            private int from;

            @Override
            public boolean hasNext() {
                return from < size();
            }

            @Override
            public Slice next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int to = Math.min(from + chunk, size());
                Slice slice = slice(seed, epoch, from, to);
                from = to;
                return slice;
            }
        };
    }
}
