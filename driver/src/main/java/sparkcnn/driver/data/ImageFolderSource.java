package sparkcnn.driver.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.driver.io.RegularFiles;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.data.CorruptImageException;
import sparkcnn.kernels.data.ExampleBlock;
import sparkcnn.kernels.data.ImageDecoder;
import sparkcnn.kernels.train.WorkerStep;

/**
 * An ImageNet-style folder on any Hadoop FileSystem: {@code root/<class>/<image>.{jpg,jpeg,png}},
 * class index = position of the folder name in sorted order. The driver lists file names only;
 * executors read and decode the files of their partition.
 */
public final class ImageFolderSource implements Serializable {
    private static final List<String> EXTENSIONS = List.of(".jpg", ".jpeg", ".png");
    /** No JPEG or PNG of a training set comes near this; a larger file is not one. */
    static final int MAX_FILE_BYTES = 64 << 20;

    /** One image file and its label; {@code id} is its index in the sorted listing. */
    public record ImageFile(long id, String path, int label) implements Serializable {
    }

    private final String root;
    private final List<String> classes;
    private final List<ImageFile> files;
    private final HadoopConf conf;

    public ImageFolderSource(String root, HadoopConf conf) {
        this.root = root;
        this.conf = conf;
        try {
            Path rootPath = new Path(root);
            FileSystem fs = rootPath.getFileSystem(conf.get());
            if (!fs.exists(rootPath) || !fs.getFileStatus(rootPath).isDirectory()) {
                throw new DataException("image folder not found: " + root);
            }
            FileStatus[] classDirs = fs.listStatus(rootPath, p -> !p.getName().startsWith(".") && !p.getName().startsWith("_"));
            Arrays.sort(classDirs);
            List<String> names = new ArrayList<>();
            List<ImageFile> listing = new ArrayList<>();
            for (FileStatus dir : classDirs) {
                if (!dir.isDirectory()) {
                    continue;
                }
                int label = names.size();
                names.add(dir.getPath().getName());
                FileStatus[] images = fs.listStatus(dir.getPath(), p -> isImage(p.getName()));
                if (images.length == 0) {
                    throw new DataException("class folder has no .jpg, .jpeg or .png files: " + dir.getPath());
                }
                Arrays.sort(images);
                for (FileStatus image : images) {
                    listing.add(new ImageFile(listing.size(), image.getPath().toString(), label));
                }
            }
            if (names.isEmpty()) {
                throw new DataException("image folder has no class folders (expected root/<class>/<image>): " + root);
            }
            this.classes = List.copyOf(names);
            this.files = List.copyOf(listing);
        } catch (IOException e) {
            throw new DataException("cannot list image folder " + root + ": " + e.getMessage(), e);
        }
    }

    public static boolean isImage(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(lower::endsWith);
    }

    public List<String> classes() {
        return classes;
    }

    public List<ImageFile> files() {
        return files;
    }

    public String root() {
        return root;
    }

    /**
     * A test or validation folder must use the training folder's classes: a class the training set
     * lacks would have no output unit.
     */
    public void requireClassesOf(ImageFolderSource train) {
        List<String> unknown = classes.stream().filter(c -> !train.classes.contains(c)).toList();
        if (!unknown.isEmpty()) {
            throw new DataException("classes " + unknown + " are in " + root + " but not in the training folder "
                    + train.root);
        }
    }

    /** This folder's labels renumbered to the positions of its class names in {@code trainClasses}. */
    public List<ImageFile> filesLabelledBy(List<String> trainClasses) {
        return files.stream()
                .map(f -> new ImageFile(f.id(), f.path(), trainClasses.indexOf(classes.get(f.label()))))
                .toList();
    }

    /**
     * The files shuffled by {@code seed} and dealt into {@code partitions} contiguous slices whose
     * sizes differ by at most one; each partition decodes its slice to {@code shape} on an executor.
     */
    public static JavaRDD<DecodedBlock> decode(JavaSparkContext sc, List<ImageFile> files, int partitions, long seed,
                                               Volume shape, BadImagePolicy policy, HadoopConf conf) {
        List<ImageFile> shuffled = new ArrayList<>(files);
        Collections.shuffle(shuffled, new Random(seed));
        List<List<ImageFile>> slices = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            slices.add(new ArrayList<>(shuffled.subList(shuffled.size() * i / partitions,
                    shuffled.size() * (i + 1) / partitions)));
        }
        return sc.parallelize(slices, partitions).map(slice -> decodeSlice(slice, shape, policy, conf));
    }

    /**
     * The files shuffled by {@code dealSeed} and dealt as by {@link #decode}, but not decoded: each
     * worker's slice becomes a {@link StreamedShard} read a file at a time as the rounds reach it,
     * in the order a decoded slice would be visited in {@code epoch} ({@link WorkerStep#epochOrder}),
     * so streaming trains exactly as holding the shard in memory would.
     */
    public static List<StreamedShard> plan(List<ImageFile> files, int workers, long dealSeed, long orderSeed,
                                           int epoch, String key, Volume shape, BadImagePolicy policy,
                                           HadoopConf conf, int prefetch, int threads) {
        List<ImageFile> shuffled = new ArrayList<>(files);
        Collections.shuffle(shuffled, new Random(dealSeed));
        List<StreamedShard> shards = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            List<ImageFile> slice = shuffled.subList(shuffled.size() * i / workers, shuffled.size() * (i + 1) / workers);
            long firstId = slice.isEmpty() ? 0 : slice.get(0).id();
            List<StreamedShard.Unit> units = new ArrayList<>();
            for (int at : WorkerStep.epochOrder(slice.size(), firstId, orderSeed, epoch)) {
                units.add(new StreamedShard.ImageUnit(slice.get(at)));
            }
            shards.add(new StreamedShard(key + "/worker-" + i, units, firstId, shape, policy, conf, prefetch, threads));
        }
        return shards;
    }

    static DecodedBlock decodeSlice(List<ImageFile> slice, Volume shape, BadImagePolicy policy, HadoopConf conf) {
        int exampleSize = (int) shape.size();
        byte[] pixels = new byte[slice.size() * exampleSize];
        long[] ids = new long[slice.size()];
        int[] labels = new int[slice.size()];
        List<String> rejected = new ArrayList<>();
        int n = 0;
        for (ImageFile file : slice) {
            byte[] example = decode(file, shape, policy, conf, rejected);
            if (example != null) {
                System.arraycopy(example, 0, pixels, n * exampleSize, exampleSize);
                ids[n] = file.id();
                labels[n] = file.label();
                n++;
            }
        }
        var block = new ExampleBlock(Arrays.copyOf(ids, n), shape, Arrays.copyOf(pixels, n * exampleSize),
                Arrays.copyOf(labels, n));
        return new DecodedBlock(block, rejected);
    }

    /**
     * One file's example of {@code shape}; null where the file is rejected ("path: reason" added to
     * {@code rejected}), or the job's end under {@code bad-images = fail}.
     */
    static byte[] decode(ImageFile file, Volume shape, BadImagePolicy policy, HadoopConf conf, List<String> rejected) {
        try {
            return ImageDecoder.decode(read(file.path(), conf), shape);
        } catch (CorruptImageException e) {
            if (policy == BadImagePolicy.FAIL) {
                throw new DataException("corrupt image " + file.path() + ": " + e.getMessage(), e);
            }
            rejected.add(file.path() + ": " + e.getMessage());
            return null;
        }
    }

    /**
     * The bytes of one image file, at most {@link #MAX_FILE_BYTES}. Anything that is not a plain
     * readable file of sensible size (a directory or named pipe called x.jpg, a link to /dev/zero,
     * a file that fails to read) is a bad image like one that does not decode: skipped and named,
     * or the job's end under {@code bad-images = fail}.
     */
    public static byte[] read(String path, HadoopConf conf) {
        Path p = new Path(path);
        try {
            FileSystem fs = p.getFileSystem(conf.get());
            String problem = RegularFiles.problem(fs, p);
            if (problem != null) {
                throw new CorruptImageException("cannot read: " + problem);
            }
            try (InputStream in = fs.open(p)) {
                byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
                if (bytes.length > MAX_FILE_BYTES) {
                    throw new CorruptImageException("larger than " + (MAX_FILE_BYTES >> 20) + " MiB");
                }
                return bytes;
            }
        } catch (IOException | org.apache.hadoop.fs.FSError e) { // the local FS reports a failed read as FSError
            Throwable cause = e instanceof org.apache.hadoop.fs.FSError && e.getCause() != null ? e.getCause() : e;
            throw new CorruptImageException("cannot read: " + cause.getClass().getSimpleName() + ": " + cause.getMessage());
        }
    }
}
