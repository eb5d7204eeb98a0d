package sparkcnn.driver.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.kernels.data.ExampleBlock;

/**
 * Writes fixed-size minibatch files ({@link MinibatchFile}) on any Hadoop FileSystem, the form DL4J
 * recommends for multi-epoch training: decode once, then every epoch reads compact uint8 batches
 * ({@link ExportedSource}) and augments them on load. An existing file is complete, so a second
 * export skips it, which makes export idempotent and an interrupted export resumable.
 */
public final class MinibatchExport {
    /** What an export directory holds, written before its first minibatch file. */
    static final String MANIFEST = "export.txt";

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
                    Path file = new Path(dir,
                            String.format("part-%05d-batch-%06d%s", partition, batch, MinibatchFile.SUFFIX));
                    if (minibatch.size() == 0) {
                        continue; // every file of this minibatch was rejected
                    }
                    if (MinibatchFile.writeIfAbsent(file, minibatch, conf)) {
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
            if (fs.exists(path) && fs.listStatus(path, p -> p.getName().endsWith(MinibatchFile.SUFFIX)).length > 0) {
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

}
