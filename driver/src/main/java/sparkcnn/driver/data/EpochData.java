package sparkcnn.driver.data;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.data.ExampleBlock;

/**
 * A data set as the trainer sees it: for each epoch, one {@link Shard} per worker. Cached sources
 * (idx, CIFAR, and image folders or exports small enough) are decoded into executor memory: fixed
 * ones keep their shards and visit them in a new order each epoch, image folders are dealt and
 * decoded afresh each epoch. Streamed sources deal a plan of files per worker each epoch, cached
 * on the executors (so a worker's tasks stay where its plan is and file lists travel once per
 * epoch), and read the files as the rounds reach them.
 */
public final class EpochData {
    private final IntFunction<Opened> opener;
    private final boolean reusable;
    private final boolean streamed;
    private final Volume shape;
    private final List<String> classes;
    private Opened fixed;
    /** The fixed shards' sizes, labels and rejected files, counted once: no Spark job opens a later epoch. */
    private Epoch fixedEpoch;

    /** One epoch's shards before they are counted. */
    private record Opened(JavaRDD<Shard> shards, JavaRDD<DecodedBlock> decoded, List<Integer> plannedSizes,
                          int plannedMaxLabel, List<StreamedShard> plan) {
    }

    private EpochData(IntFunction<Opened> opener, boolean reusable, boolean streamed, Volume shape,
                      List<String> classes) {
        this.opener = opener;
        this.reusable = reusable;
        this.streamed = streamed;
        this.shape = shape;
        this.classes = List.copyOf(classes);
    }

    /** The same shards every epoch, decoded once into memory. */
    public static EpochData fixed(JavaRDD<ExampleBlock> blocks, Volume shape, List<String> classes) {
        return fixedDecoded(blocks.map(b -> new DecodedBlock(b, List.of())), shape, classes);
    }

    /** The same shards every epoch, with the files each could not decode. */
    public static EpochData fixedDecoded(JavaRDD<DecodedBlock> blocks, Volume shape, List<String> classes) {
        return new EpochData(epoch -> cached(blocks), true, false, shape, classes);
    }

    /** Shards decoded anew for each epoch (a fresh deal of the files over the workers). */
    public static EpochData reshuffled(IntFunction<JavaRDD<DecodedBlock>> shardsForEpoch, Volume shape,
                                       List<String> classes) {
        return new EpochData(epoch -> cached(shardsForEpoch.apply(epoch)), false, false, shape, classes);
    }

    /** Shards streamed from files, planned anew for each epoch. */
    public static EpochData streamed(JavaSparkContext sc, IntFunction<List<StreamedShard>> plans, Volume shape,
                                     List<String> classes) {
        return new EpochData(epoch -> {
            List<StreamedShard> plan = plans.apply(epoch);
            JavaRDD<Shard> shards = sc.parallelize(new ArrayList<Shard>(plan), plan.size())
                    .persist(StorageLevel.MEMORY_ONLY());
            int maxLabel = -1;
            for (StreamedShard s : plan) {
                for (StreamedShard.Unit u : s.units()) {
                    if (u instanceof StreamedShard.ImageUnit image) {
                        maxLabel = Math.max(maxLabel, image.file().label());
                    }
                }
            }
            return new Opened(shards, null, plan.stream().map(StreamedShard::size).toList(), maxLabel, plan);
        }, false, true, shape, classes);
    }

    private static Opened cached(JavaRDD<DecodedBlock> blocks) {
        JavaRDD<DecodedBlock> decoded = blocks.persist(StorageLevel.MEMORY_AND_DISK());
        return new Opened(decoded.map(d -> (Shard) new CachedShard(d.block())), decoded, null, -1, null);
    }

    public Volume shape() {
        return shape;
    }

    public List<String> classes() {
        return classes;
    }

    /**
     * Whether opening a later epoch runs no Spark job: the same shards every epoch (counted once), or
     * a streamed plan of files dealt on the driver. Shards decoded afresh each epoch need a job.
     */
    public boolean opensWithoutAJob() {
        return reusable || streamed;
    }

    /** One epoch's shards, kept until {@link Epoch#close()}. */
    public Epoch open(int epoch) {
        if (fixedEpoch != null) {
            return fixedEpoch;
        }
        Opened opened;
        if (reusable && fixed != null) {
            opened = fixed;
        } else {
            opened = opener.apply(epoch);
            if (reusable) {
                fixed = opened;
            }
        }
        if (opened.decoded() == null) { // streamed: the plan is known, the files are read later
            return new Epoch(opened.shards(), opened.plannedSizes(), opened.plannedMaxLabel(), List.of(), true,
                    reusable ? null : opened.shards(), opened.plan());
        }
        // one pass over the decoded shards: their sizes, largest labels and rejected files
        List<Tally> tallies = opened.decoded().map(Tally::of).collect();
        List<Integer> sizes = tallies.stream().map(Tally::size).toList();
        int maxLabel = tallies.stream().mapToInt(Tally::maxLabel).max().orElse(-1);
        List<String> rejected = tallies.stream().flatMap(t -> t.rejected().stream()).toList();
        Epoch counted = new Epoch(opened.shards(), sizes, maxLabel, rejected, false,
                reusable ? null : opened.decoded(), null);
        if (reusable) {
            fixedEpoch = counted;
        }
        return counted;
    }

    /** What the driver learns of one decoded shard. */
    private record Tally(int size, int maxLabel, List<String> rejected) implements java.io.Serializable {
        static Tally of(DecodedBlock d) {
            int max = -1;
            for (int label : d.block().labels()) {
                max = Math.max(max, label);
            }
            return new Tally(d.block().size(), max, new ArrayList<>(d.rejected()));
        }
    }

    /**
     * The shards of one epoch: their sizes, largest label (-1 where unknown before reading), and the
     * files that could not be decoded ("path: reason"; a streamed epoch finds those as it reads);
     * a streamed epoch's plan of files per worker (null for shards in memory).
     */
    public record Epoch(JavaRDD<Shard> shards, List<Integer> shardSizes, int maxLabel, List<String> rejected,
                        boolean streamed, JavaRDD<?> owned, List<StreamedShard> plan) implements AutoCloseable {

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
