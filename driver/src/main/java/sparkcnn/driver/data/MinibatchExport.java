package sparkcnn.driver.data;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.data.ExampleBlock;

/**
 * Fixed-size minibatch files on any Hadoop FileSystem, the form DL4J recommends for multi-epoch
 * training: decode once, then every epoch reads compact uint8 batches and augments them on load.
 *
 * <p>File {@code part-PPPPP-batch-BBBBBB.scnb}: magic "SCNB", version, n, depth, height, width, then
 * n (id: int64, label: int32) pairs, then the n examples' NCHW bytes. Each file is written under a
 * temporary name and renamed, so an existing file is complete: a second export skips it, which
 * makes export idempotent and an interrupted export resumable.
 */
public final class MinibatchExport {
    static final int MAGIC = 0x53434E42; // "SCNB"
    static final int VERSION = 1;
    static final String SUFFIX = ".scnb";
    /** The header (magic, version, n, depth, height, width: six ints), and each example's id and label. */
    static final int HEADER_BYTES = 6 * Integer.BYTES;
    static final int ID_LABEL_BYTES = Long.BYTES + Integer.BYTES;

    private MinibatchExport() {
    }

    /** Files written and files already present; the images of a streamed shard that did not decode. */
    public record Summary(long written, long skipped, long examples, List<String> rejected)
            implements java.io.Serializable {
        Summary plus(Summary o) {
            List<String> all = new java.util.ArrayList<>(rejected);
            all.addAll(o.rejected);
            return new Summary(written + o.written, skipped + o.skipped, examples + o.examples, all);
        }
    }

    /**
     * Exports {@code blocks} into {@code dir} as minibatches of {@code batchSize}. {@code source}
     * describes what is exported (data set, input size, partitioning): a directory that holds an
     * export of another source or batch size is refused, since skipping its files by name would
     * mix two exports and duplicate examples.
     */
    public static Summary export(JavaRDD<Shard> shards, String dir, int batchSize, String source,
                                 HadoopConf conf) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("export batch size must be >= 1, got " + batchSize);
        }
        claim(dir, "batch " + batchSize + "\n" + source, conf);
        return shards.mapPartitionsWithIndex((partition, it) -> {
            long written = 0;
            long skipped = 0;
            long examples = 0;
            List<String> rejected = new java.util.ArrayList<>();
            int batch = 0;
            while (it.hasNext()) {
                for (var chunks = it.next().chunks(0, 0, batchSize); chunks.hasNext(); batch++) {
                    Shard.Slice chunk = chunks.next();
                    rejected.addAll(chunk.rejected());
                    ExampleBlock minibatch = chunk.examples();
                    Path file = new Path(dir, String.format("part-%05d-batch-%06d%s", partition, batch, SUFFIX));
                    if (minibatch.size() == 0) {
                        continue; // every file of this minibatch was rejected
                    }
                    if (writeIfAbsent(file, minibatch, conf)) {
                        written++;
                    } else {
                        skipped++;
                    }
                    examples += minibatch.size();
                }
            }
            return List.of(new Summary(written, skipped, examples, rejected)).iterator();
        }, false).reduce(Summary::plus);
    }

    /** What an export directory holds, written before its first minibatch file. */
    static final String MANIFEST = "export.txt";

    private static void claim(String dir, String description, HadoopConf conf) {
        Path manifest = new Path(dir, MANIFEST);
        try {
            FileSystem fs = manifest.getFileSystem(conf.get());
            if (fs.exists(manifest)) {
                String earlier;
                try (InputStream in = fs.open(manifest)) {
                    earlier = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                }
                if (!earlier.equals(description)) {
                    String was = earlier.lines().findFirst().orElse("");
                    String now = description.lines().findFirst().orElse("");
                    boolean sameData = earlier.substring(was.length()).equals(description.substring(now.length()));
                    throw new DataException(String.format("%s holds an earlier export (%s%s) and this one is %s: adding "
                            + "to it would mix the two and repeat examples; export into a new directory", dir, was,
                            sameData ? "" : ", of other data", now));
                }
                return;
            }
            Path path = new Path(dir);
            if (fs.exists(path) && fs.listStatus(path, p -> p.getName().endsWith(SUFFIX)).length > 0) {
                throw new DataException(dir + " holds minibatch files without " + MANIFEST
                        + ": export into a new directory");
            }
            fs.mkdirs(path);
            Path temporary = new Path(dir, "." + MANIFEST + ".tmp");
            try (OutputStream out = fs.create(temporary, true)) {
                out.write(description.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            FileContext.getFileContext(manifest.toUri(), conf.get()).rename(temporary, manifest, Options.Rename.OVERWRITE);
        } catch (IOException e) {
            throw new DataException("cannot prepare export directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The exported batches dealt round-robin into {@code partitions}, each read into one block on an executor. */
    public static JavaRDD<ExampleBlock> read(JavaSparkContext sc, String dir, int partitions, HadoopConf conf) {
        List<String> files = list(dir, conf);
        List<List<String>> deal = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            deal.add(new ArrayList<>());
        }
        for (int i = 0; i < files.size(); i++) {
            deal.get(i % partitions).add(files.get(i));
        }
        return sc.parallelize(deal, partitions).map(paths -> concat(paths.stream().map(p -> readFile(p, conf)).toList()));
    }

    /** The exported files of {@code dir} with the examples each holds, from their lengths and the first header. */
    public record Listing(List<String> files, List<Integer> examples, Volume shape) implements java.io.Serializable {
        public long total() {
            return examples.stream().mapToLong(Integer::longValue).sum();
        }
    }

    public static Listing listing(String dir, HadoopConf conf) {
        List<String> files = list(dir, conf);
        Volume shape = readFile(files.get(0), conf).shape();
        List<Integer> counts = new ArrayList<>();
        try {
            for (String file : files) {
                Path path = new Path(file);
                long length = path.getFileSystem(conf.get()).getFileStatus(path).getLen();
                long perExample = ID_LABEL_BYTES + shape.size();
                if ((length - HEADER_BYTES) % perExample != 0) {
                    throw new DataException("minibatch file " + file + " is " + length + " bytes, not a whole number of "
                            + shape + " examples");
                }
                counts.add((int) ((length - HEADER_BYTES) / perExample));
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
            FileStatus[] statuses = fs.listStatus(path, p -> p.getName().endsWith(SUFFIX) && !p.getName().startsWith("."));
            if (statuses.length == 0) {
                throw new DataException("no exported minibatches (*" + SUFFIX + ") in " + dir);
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

    static byte[] encode(ExampleBlock batch) throws IOException {
        var bytes = new ByteArrayOutputStream(batch.pixels().length + ID_LABEL_BYTES * batch.size() + HEADER_BYTES);
        try (var out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(batch.size());
            out.writeInt(batch.shape().depth());
            out.writeInt(batch.shape().height());
            out.writeInt(batch.shape().width());
            for (int i = 0; i < batch.size(); i++) {
                out.writeLong(batch.ids()[i]);
                out.writeInt(batch.labels()[i]);
            }
            out.write(batch.pixels());
        }
        return bytes.toByteArray();
    }

    static ExampleBlock readFile(String file, HadoopConf conf) {
        Path path = new Path(file);
        try (InputStream raw = path.getFileSystem(conf.get()).open(path); var in = new DataInputStream(raw)) {
            if (in.readInt() != MAGIC || in.readInt() != VERSION) {
                throw new DataException("not a sparkcnn minibatch file (version " + VERSION + "): " + file);
            }
            int n = in.readInt();
            int depth = in.readInt();
            int height = in.readInt();
            int width = in.readInt();
            var shape = new Volume(width, height, depth);
            long[] ids = new long[n];
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                ids[i] = in.readLong();
                labels[i] = in.readInt();
            }
            byte[] pixels = new byte[(int) (n * shape.size())];
            in.readFully(pixels);
            return new ExampleBlock(ids, shape, pixels, labels);
        } catch (IOException e) {
            throw new DataException("cannot read minibatch file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code batch} to {@code file} unless it exists; true when written. */
    static boolean writeIfAbsent(Path file, ExampleBlock batch, HadoopConf conf) throws IOException {
        FileSystem fs = file.getFileSystem(conf.get());
        if (fs.exists(file)) {
            return false;
        }
        Path temporary = new Path(file.getParent(), "." + file.getName() + ".tmp");
        try (OutputStream out = fs.create(temporary, true)) {
            out.write(encode(batch));
        }
        FileContext.getFileContext(file.toUri(), conf.get()).rename(temporary, file, Options.Rename.OVERWRITE);
        return true;
    }
}
