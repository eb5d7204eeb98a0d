package sparkcnn.jobs.train;

import static sparkcnn.jobs.config.ConfigValues.required;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.util.List;
import java.util.stream.IntStream;
import java.util.UUID;
import org.apache.spark.api.java.JavaSparkContext;
import sparkcnn.driver.SparkContexts;
import sparkcnn.driver.data.BadImagePolicy;
import sparkcnn.driver.data.CifarSource;
import sparkcnn.driver.data.DataException;
import sparkcnn.driver.data.EpochData;
import sparkcnn.driver.data.IdxDataSource;
import sparkcnn.driver.data.ImageFolderSource;
import sparkcnn.driver.data.MinibatchExport;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.jobs.config.ConfigValues;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.data.Augmentation;

/** The {@code data} section: where the training and test sets are, in which format, and how to feed them. */
public record DataSpec(String format, Config train, Config test, boolean cifar100, BadImagePolicy badImages,
                       Augmentation augmentation, boolean normalize, int decodeSize, Feed feed) {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(DataSpec.class);

    /**
     * How workers get their examples: {@code cache} = auto (in memory when a worker's decoded shard
     * fits {@code cacheLimitMb}, else streamed), memory or stream; what streaming reads ahead.
     */
    public record Feed(String cache, int cacheLimitMb, int prefetchBatches, int decodeThreads, int shuffleFiles,
                       int batchSize) implements java.io.Serializable {
        static final List<String> CACHE = List.of("auto", "memory", "stream");

        /** Whether shards of {@code bytesPerWorker} decoded bytes stream (and the choice is logged). */
        boolean streams(String set, long bytesPerWorker) {
            boolean stream = cache.equals("stream") || cache.equals("auto") && bytesPerWorker > (long) cacheLimitMb << 20;
            log.info("{}: {} MiB of decoded examples per worker: {} (data.cache = {}, cache-limit-mb = {})", set,
                    bytesPerWorker >> 20, stream ? "streamed from the files, " + prefetchBatches
                            + " minibatches decoded ahead" : "held in executor memory", cache, cacheLimitMb);
            return stream;
        }
    }

    public static final List<String> FORMATS = List.of("idx", "cifar", "imagefolder", "exported", "dataframe");
    /** Data a program hands over (the Spark ML API's DataFrames): no keys to read, nothing to open. */
    public static final String DATAFRAME = "dataframe";

    public static DataSpec from(Config c) {
        String format = c.getString("data.format");
        if (!FORMATS.contains(format)) {
            throw new ConfigException.BadValue("data.format", "unknown data format '" + format + "'; expected one of " + FORMATS);
        }
        for (String set : List.of("data.train", "data.test")) {
            switch (format) {
                case "idx" -> {
                    required(c, set + ".images");
                    required(c, set + ".labels");
                    limit(c.getConfig(set), set);
                }
                case "cifar" -> {
                    if (c.getStringList(set + ".files").isEmpty()) {
                        throw new ConfigException.BadValue(set + ".files", "list the CIFAR batch files, e.g. [data_batch_1.bin, ...]");
                    }
                }
                case "imagefolder" -> required(c, set + ".root");
                case DATAFRAME -> {
                }
                default -> required(c, set + ".dir");
            }
        }
        try {
            String cache = c.getString("data.cache");
            if (!Feed.CACHE.contains(cache)) {
                throw new ConfigException.BadValue("data.cache", "expected one of " + Feed.CACHE + ", got '" + cache + "'");
            }
            if (cache.equals("stream") && !List.of("imagefolder", "exported").contains(format)) {
                throw new ConfigException.BadValue("data.cache", "stream reads imagefolder and exported data; "
                        + format + " data is small enough to hold in memory");
            }
            var feed = new Feed(cache, ConfigValues.positive(c, "data.cache-limit-mb"),
                    ConfigValues.positive(c, "data.prefetch-batches"), ConfigValues.nonNegative(c, "data.decode-threads"),
                    ConfigValues.positive(c, "data.shuffle-files"), ConfigValues.positive(c, "train.batch-size-per-worker"));
            int decodeSize = ConfigValues.nonNegative(c, "data.decode-size");
            if (decodeSize > 0 && !format.equals("imagefolder")) {
                throw new ConfigException.BadValue("data.decode-size", "sizes image folders as they are decoded; "
                        + format + " data is stored at its own size (an export keeps the size it was exported at)");
            }
            var augmentation = Augmentation.parse(c.getString("data.augmentation"));
            if (decodeSize > 0 && augmentation == Augmentation.CIFAR) {
                throw new ConfigException.BadValue("data.decode-size", "cifar augmentation pads and crops at the "
                        + "input size: use decode-size = 0, or imagenet augmentation");
            }
            return new DataSpec(format, c.getConfig("data.train"), c.getConfig("data.test"), c.getBoolean("data.cifar100"),
                    BadImagePolicy.parse(c.getString("data.bad-images")), augmentation, c.getBoolean("data.normalize"),
                    decodeSize, feed);
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue("data", e.getMessage());
        }
    }

    /** The training and test sets, split into {@code workers} shards, checked against the model's input. */
    public record Opened(EpochData train, EpochData test) {
    }

    public Opened open(JavaSparkContext sc, HadoopConf hadoop, int workers, Volume input, int classes, long seed) {
        if (format.equals(DATAFRAME)) {
            throw new ConfigException.BadValue("data.format", "dataframe is the data of the Spark ML API "
                    + "(sparkcnn.ml.ImageClassifier), which hands its DataFrame over; a job file reads its own data");
        }
        Opened opened = switch (format) {
            case "idx" -> new Opened(idx(sc, hadoop, workers, train, "data.train", classes),
                    idx(sc, hadoop, workers, test, "data.test", classes));
            case "cifar" -> new Opened(cifar(sc, hadoop, workers, train, "data.train"), cifar(sc, hadoop, workers, test, "data.test"));
            case "exported" -> new Opened(exported(sc, hadoop, workers, train, "data.train", classes, seed),
                    exported(sc, hadoop, workers, test, "data.test", classes, seed));
            default -> imageFolders(sc, hadoop, workers, input, classes, seed);
        };
        Volume stored = opened.train().shape();
        boolean crops = format.equals("imagefolder") || format.equals("exported");
        if (crops ? stored.depth() != input.depth() || stored.width() < input.width() || stored.height() < input.height()
                : !stored.equals(input)) {
            throw new ConfigException.BadValue("model.input", "the model's input is " + input + " but the training images are "
                    + stored + (crops ? " (they may be larger: training crops the input out of them)" : ""));
        }
        return opened;
    }

    private static EpochData idx(JavaSparkContext sc, HadoopConf hadoop, int workers, Config c, String key, int classes) {
        try {
            var source = new IdxDataSource(required(c, "images"), required(c, "labels"), hadoop, limit(c, key));
            return EpochData.fixed(source.blocks(sc, workers), source.shape(), numbered(classes));
        } catch (DataException e) {
            throw new DataException(key + ": " + e.getMessage(), e);
        }
    }

    private EpochData cifar(JavaSparkContext sc, HadoopConf hadoop, int workers, Config c, String key) {
        try {
            var source = new CifarSource(c.getStringList("files"), cifar100, hadoop);
            return EpochData.fixed(source.blocks(sc, workers), CifarSource.SHAPE, numbered(cifar100 ? 100 : 10));
        } catch (DataException e) {
            throw new DataException(key + ": " + e.getMessage(), e);
        }
    }

    private EpochData exported(JavaSparkContext sc, HadoopConf hadoop, int workers, Config c, String key,
                               int classes, long seed) {
        try {
            String dir = required(c, "dir");
            var listing = MinibatchExport.listing(dir, hadoop);
            if (feed.streams(key, listing.total() * listing.shape().size() / workers)) {
                String id = key + ":" + dir + ":" + UUID.randomUUID();
                double perFile = (double) listing.total() / listing.files().size();
                int prefetch = (int) Math.ceil(feed.prefetchBatches() * feed.batchSize() / (perFile * feed.shuffleFiles()));
                int threads = decodeThreads(sc);
                return EpochData.streamed(sc, epoch -> MinibatchExport.plan(listing, workers, seed * 31 + epoch,
                        id + "/epoch-" + epoch, hadoop, prefetch, threads, feed.shuffleFiles()), listing.shape(),
                        numbered(classes));
            }
            return EpochData.fixed(MinibatchExport.read(sc, dir, workers, hadoop), listing.shape(), numbered(classes));
        } catch (DataException e) {
            throw new DataException(key + ": " + e.getMessage(), e);
        }
    }

    private Opened imageFolders(JavaSparkContext sc, HadoopConf hadoop, int workers, Volume modelInput, int classes,
                                long seed) {
        if (decodeSize > 0 && (decodeSize < modelInput.width() || decodeSize < modelInput.height())) {
            throw new ConfigException.BadValue("data.decode-size", "is " + decodeSize + ", smaller than model.input "
                    + modelInput);
        }
        // the stored examples: the model's input, or larger for training to crop from
        Volume input = decodeSize > 0 ? new Volume(decodeSize, decodeSize, modelInput.depth()) : modelInput;
        ImageFolderSource trainFolder = folder(train, "data.train", hadoop);
        if (trainFolder.classes().size() != classes) {
            // more output units than classes would train phantom classes; fewer cannot label them all
            throw new ConfigException.BadValue("model.classes", String.format("is %d, but the training folder %s has "
                    + "%d class folders %s", classes, trainFolder.root(), trainFolder.classes().size(),
                    abbreviate(trainFolder.classes())));
        }
        ImageFolderSource testFolder = folder(test, "data.test", hadoop);
        testFolder.requireClassesOf(trainFolder);
        var trainFiles = trainFolder.files();
        var testFiles = testFolder.filesLabelledBy(trainFolder.classes());
        BadImagePolicy policy = badImages;
        EpochData trainData;
        EpochData testData;
        int threads = decodeThreads(sc);
        if (feed.streams("data.train", trainFiles.size() * input.size() / workers)) {
            String id = "imagefolder:" + trainFolder.root() + ":" + UUID.randomUUID();
            trainData = EpochData.streamed(sc, epoch -> ImageFolderSource.plan(trainFiles, workers, seed * 31 + epoch,
                    seed, epoch, id + "/epoch-" + epoch, input, policy, hadoop, feed.prefetchBatches() * feed.batchSize(),
                    threads), input, trainFolder.classes());
        } else {
            trainData = EpochData.reshuffled(epoch -> ImageFolderSource.decode(sc, trainFiles, workers,
                    seed * 31 + epoch, input, policy, hadoop), input, trainFolder.classes());
        }
        if (feed.streams("data.test", testFiles.size() * input.size() / workers)) {
            String id = "imagefolder:" + testFolder.root() + ":" + UUID.randomUUID();
            testData = EpochData.streamed(sc, epoch -> ImageFolderSource.plan(testFiles, workers, seed, seed, 0, id, input,
                    policy, hadoop, feed.prefetchBatches() * feed.batchSize(), threads), input, trainFolder.classes());
        } else {
            testData = EpochData.fixedDecoded(ImageFolderSource.decode(sc, testFiles, workers, seed, input, policy,
                    hadoop), input, trainFolder.classes());
        }
        return new Opened(trainData, testData);
    }

    /** Background threads decoding a streamed shard: data.decode-threads, or (0) the cores of a task. */
    private int decodeThreads(JavaSparkContext sc) {
        return feed.decodeThreads() > 0 ? feed.decodeThreads() : SparkContexts.taskCpus(sc);
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 10 ? names.toString() : names.subList(0, 10) + "...";
    }

    private static ImageFolderSource folder(Config c, String key, HadoopConf hadoop) {
        try {
            return new ImageFolderSource(required(c, "root"), hadoop);
        } catch (DataException e) {
            throw new DataException(key + ".root: " + e.getMessage(), e);
        }
    }

    private static int limit(Config c, String key) {
        int limit = sparkcnn.jobs.config.ConfigValues.integer(c, "limit", key);
        if (limit < 0) {
            throw new ConfigException.BadValue(key + ".limit", "must be >= 0 (0 = all), got " + limit);
        }
        return limit;
    }

    /** Class names "0".."n-1" for formats that carry only label numbers. */
    public static List<String> numbered(int n) {
        return IntStream.range(0, n).mapToObj(String::valueOf).toList();
    }
}
