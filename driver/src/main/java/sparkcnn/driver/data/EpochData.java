package sparkcnn.driver.data;

import java.util.List;
import java.util.function.IntFunction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.data.ExampleBlock;

/**
 * A data set as the trainer sees it: for each epoch, one block of examples per worker. Fixed
 * sources (idx, CIFAR, exported minibatches) keep the same shards, which workers visit in a new
 * order each epoch; image folders are dealt out afresh each epoch and decoded on the executors.
 */
public final class EpochData {
    private final IntFunction<JavaRDD<DecodedBlock>> shardsForEpoch;
    private final boolean reshuffled;
    private final Volume shape;
    private final List<String> classes;
    private JavaRDD<DecodedBlock> fixed;

    private EpochData(IntFunction<JavaRDD<DecodedBlock>> shardsForEpoch, boolean reshuffled, Volume shape,
                      List<String> classes) {
        this.shardsForEpoch = shardsForEpoch;
        this.reshuffled = reshuffled;
        this.shape = shape;
        this.classes = List.copyOf(classes);
    }

    /** The same shards every epoch. */
    public static EpochData fixed(JavaRDD<ExampleBlock> blocks, Volume shape, List<String> classes) {
        JavaRDD<DecodedBlock> decoded = blocks.map(b -> new DecodedBlock(b, List.of()));
        return new EpochData(epoch -> decoded, false, shape, classes);
    }

    /** Shards made anew for each epoch (a fresh deal of the files over the workers). */
    public static EpochData reshuffled(IntFunction<JavaRDD<DecodedBlock>> shardsForEpoch, Volume shape,
                                       List<String> classes) {
        return new EpochData(shardsForEpoch, true, shape, classes);
    }

    public Volume shape() {
        return shape;
    }

    public List<String> classes() {
        return classes;
    }

    /** One epoch's shards, materialised and kept until {@link Epoch#close()}. */
    public Epoch open(int epoch) {
        JavaRDD<DecodedBlock> decoded;
        if (reshuffled || fixed == null) {
            decoded = shardsForEpoch.apply(epoch).persist(StorageLevel.MEMORY_AND_DISK());
            if (!reshuffled) {
                fixed = decoded;
            }
        } else {
            decoded = fixed;
        }
        List<Integer> sizes = decoded.map(d -> d.block().size()).collect();
        List<String> rejected = decoded.flatMap(d -> d.rejected().iterator()).collect();
        return new Epoch(decoded.map(DecodedBlock::block), sizes, rejected, reshuffled ? decoded : null);
    }

    /** The shards of one epoch: their sizes, and the files that could not be decoded (path: reason). */
    public record Epoch(JavaRDD<ExampleBlock> blocks, List<Integer> shardSizes, List<String> rejected,
                        JavaRDD<DecodedBlock> owned) implements AutoCloseable {

        public int largestShard() {
            return shardSizes.stream().mapToInt(Integer::intValue).max().orElse(0);
        }

        public long examples() {
            return shardSizes.stream().mapToLong(Integer::longValue).sum();
        }

        @Override
        public void close() {
            if (owned != null) {
                owned.unpersist(false);
            }
        }
    }
}
