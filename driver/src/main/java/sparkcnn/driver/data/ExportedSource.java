package sparkcnn.driver.data;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.data.ExampleBlock;

/**
 * An export's minibatch files as a source of examples: the files listed with the examples each
 * holds (from their lengths and the first header), read in blocks or streamed by a plan per epoch.
 */
public final class ExportedSource implements ExampleSource {
    private final String dir;
    private final Listing listing;
    private final HadoopConf conf;

    public ExportedSource(String dir, HadoopConf conf) {
        this.dir = dir;
        this.conf = conf;
        this.listing = listing(dir, conf);
    }

    public String dir() {
        return dir;
    }

    public Listing listing() {
        return listing;
    }

    @Override
    public Volume shape() {
        return listing.shape();
    }

    @Override
    public long count() {
        return listing.total();
    }

    /** Whether {@code dir} holds an export. */
    public static boolean isExport(FileSystem fs, Path dir) throws IOException {
        return fs.exists(new Path(dir, MinibatchExport.MANIFEST));
    }

    @Override
    public JavaRDD<ExampleBlock> blocks(JavaSparkContext sc, int partitions) {
        return deal(sc, listing.files(), partitions, conf);
    }

    /** Examples per file on average. */
    public double examplesPerFile() {
        return (double) listing.total() / listing.files().size();
    }

    /** The exported batches dealt round-robin into {@code partitions}, each read into one block on an executor. */
    public static JavaRDD<ExampleBlock> read(JavaSparkContext sc, String dir, int partitions, HadoopConf conf) {
        return deal(sc, list(dir, conf), partitions, conf);
    }

    private static JavaRDD<ExampleBlock> deal(JavaSparkContext sc, List<String> files, int partitions,
                                              HadoopConf conf) {
        List<List<String>> deal = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            deal.add(new ArrayList<>());
        }
        for (int i = 0; i < files.size(); i++) {
            deal.get(i % partitions).add(files.get(i));
        }
        return sc.parallelize(deal, partitions)
                .map(paths -> concat(paths.stream().map(p -> MinibatchFile.read(p, conf)).toList()));
    }

    /** The exported files of {@code dir} with the examples each holds, from their lengths and the first header. */
    public record Listing(List<String> files, List<Integer> examples, Volume shape) implements java.io.Serializable {
        public long total() {
            return examples.stream().mapToLong(Integer::longValue).sum();
        }
    }

    static Listing listing(String dir, HadoopConf conf) {
        List<String> files = list(dir, conf);
        Volume shape = MinibatchFile.read(files.get(0), conf).shape();
        List<Integer> counts = new ArrayList<>();
        try {
            for (String file : files) {
                Path path = new Path(file);
                long length = path.getFileSystem(conf.get()).getFileStatus(path).getLen();
                long perExample = MinibatchFile.ID_LABEL_BYTES + shape.size();
                if ((length - MinibatchFile.HEADER_BYTES) % perExample != 0) {
                    throw new DataException("minibatch file " + file + " is " + length + " bytes, not a whole number of "
                            + shape + " examples");
                }
                counts.add((int) ((length - MinibatchFile.HEADER_BYTES) / perExample));
            }
        } catch (IOException e) {
            throw new DataException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        return new Listing(files, counts, shape);
    }

    /**
     * The exported files dealt afresh over {@code workers} for an epoch (order fixed by
     * {@code seed}), each worker's files read {@code groupFiles} at a time and shuffled together.
     */
    public static List<StreamedShard> plan(Listing listing, int workers, long seed, String key, HadoopConf conf,
                                           int prefetch, int threads, int groupFiles) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < listing.files().size(); i++) {
            order.add(i);
        }
        java.util.Collections.shuffle(order, new java.util.Random(seed));
        List<StreamedShard> shards = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            List<Integer> mine = new ArrayList<>();
            for (int i = w; i < order.size(); i += workers) {
                mine.add(order.get(i));
            }
            List<StreamedShard.Unit> units = new ArrayList<>();
            for (int g = 0; g < mine.size(); g += groupFiles) {
                List<String> files = new ArrayList<>();
                int examples = 0;
                for (int i : mine.subList(g, Math.min(g + groupFiles, mine.size()))) {
                    files.add(listing.files().get(i));
                    examples += listing.examples().get(i);
                }
                units.add(new StreamedShard.FileGroupUnit(files, examples,
                        seed * 0x9E3779B97F4A7C15L + w * 0xBF58476D1CE4E5B9L + g));
            }
            shards.add(new StreamedShard(key + "/worker-" + w, units, mine.isEmpty() ? 0 : mine.get(0), listing.shape(),
                    BadImagePolicy.FAIL, conf, prefetch, threads));
        }
        return shards;
    }

    static List<String> list(String dir, HadoopConf conf) {
        Path path = new Path(dir);
        try {
            FileSystem fs = path.getFileSystem(conf.get());
            if (!fs.exists(path)) {
                throw new DataException("export directory not found: " + dir);
            }
            FileStatus[] statuses = fs.listStatus(path,
                    p -> p.getName().endsWith(MinibatchFile.SUFFIX) && !p.getName().startsWith("."));
            if (statuses.length == 0) {
                throw new DataException("no exported minibatches (*" + MinibatchFile.SUFFIX + ") in " + dir);
            }
            return Arrays.stream(statuses).map(s -> s.getPath().toString()).sorted().toList();
        } catch (IOException e) {
            throw new DataException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    static ExampleBlock slice(ExampleBlock block, int from, int to) {
        int size = (int) block.shape().size();
        return new ExampleBlock(Arrays.copyOfRange(block.ids(), from, to), block.shape(),
                Arrays.copyOfRange(block.pixels(), from * size, to * size), Arrays.copyOfRange(block.labels(), from, to));
    }

    static ExampleBlock concat(List<ExampleBlock> blocks) {
        if (blocks.isEmpty()) {
            throw new IllegalStateException("a partition got no exported minibatch: use fewer partitions than files");
        }
        Volume shape = blocks.get(0).shape();
        int n = blocks.stream().mapToInt(ExampleBlock::size).sum();
        int size = (int) shape.size();
        long[] ids = new long[n];
        int[] labels = new int[n];
        byte[] pixels = new byte[n * size];
        int at = 0;
        for (ExampleBlock b : blocks) {
            System.arraycopy(b.ids(), 0, ids, at, b.size());
            System.arraycopy(b.labels(), 0, labels, at, b.size());
            System.arraycopy(b.pixels(), 0, pixels, at * size, b.size() * size);
            at += b.size();
        }
        return new ExampleBlock(ids, shape, pixels, labels);
    }

}
