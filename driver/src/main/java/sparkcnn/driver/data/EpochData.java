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

    /** The same shards every epoch, with the files each could not decode. */
    public static EpochData fixedDecoded(JavaRDD<DecodedBlock> blocks, Volume shape, List<String> classes) {
        return new EpochData(epoch -> blocks, false, shape, classes);
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
        // one pass over the shards: their sizes, largest labels and rejected files
        List<Tally> tallies = decoded.map(Tally::of).collect();
        List<Integer> sizes = tallies.stream().map(Tally::size).toList();
        int maxLabel = tallies.stream().mapToInt(Tally::maxLabel).max().orElse(-1);
        List<String> rejected = tallies.stream().flatMap(t -> t.rejected().stream()).toList();
        return new Epoch(decoded.map(DecodedBlock::block), sizes, maxLabel, rejected, reshuffled ? decoded : null);
    }

    /** What the driver learns of one shard. */
    private record Tally(int size, int maxLabel, List<String> rejected) implements java.io.Serializable {
        static Tally of(DecodedBlock d) {
            int max = -1;
            for (int label : d.block().labels()) {
                max = Math.max(max, label);
            }
            return new Tally(d.block().size(), max, new java.util.ArrayList<>(d.rejected()));
        }
    }

    /** The shards of one epoch: their sizes, and the files that could not be decoded (path: reason). */
    public record Epoch(JavaRDD<ExampleBlock> blocks, List<Integer> shardSizes, int maxLabel, List<String> rejected,
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
