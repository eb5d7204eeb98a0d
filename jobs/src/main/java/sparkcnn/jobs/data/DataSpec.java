package sparkcnn.jobs.data;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import org.apache.spark.api.java.JavaSparkContext;
import sparkcnn.driver.data.BadImagePolicy;
import sparkcnn.jobs.config.ConfigValues;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.data.Augmentation;

/**
 * The {@code data} section: where the training and test sets are, in which {@link DataFormat}, and
 * how to feed them. Each format checks its own keys; the keys every format shares are checked here
 * against what the format can do.
 */
public record DataSpec(DataFormat format, Config train, Config test, boolean cifar100, BadImagePolicy badImages,
                       Augmentation augmentation, boolean normalize, int decodeSize, Feed feed) {

    public static DataSpec from(Config c) {
        DataFormat format = DataFormats.named(c.getString("data.format"));
        format.checkKeys(c, "data.train");
        format.checkKeys(c, "data.test");
        try {
            Feed feed = feed(c, format);
            int decodeSize = decodeSize(c, format);
            var augmentation = Augmentation.parse(c.getString("data.augmentation"));
            if (decodeSize > 0 && augmentation == Augmentation.CIFAR) {
                throw new ConfigException.BadValue("data.decode-size", "cifar augmentation pads and crops at the "
                        + "input size: use decode-size = 0, or imagenet augmentation");
            }
            return new DataSpec(format, c.getConfig("data.train"), c.getConfig("data.test"),
                    c.getBoolean("data.cifar100"), BadImagePolicy.parse(c.getString("data.bad-images")), augmentation,
                    c.getBoolean("data.normalize"), decodeSize, feed);
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue("data", e.getMessage());
        }
    }

    private static Feed feed(Config c, DataFormat format) {
        String cache = c.getString("data.cache");
        if (!Feed.CACHE.contains(cache)) {
            throw new ConfigException.BadValue("data.cache", "expected one of " + Feed.CACHE + ", got '" + cache + "'");
        }
        if (cache.equals("stream") && !format.streams()) {
            throw new ConfigException.BadValue("data.cache", "stream reads imagefolder and exported data; "
                    + format.name() + " data is small enough to hold in memory");
        }
        return new Feed(cache, ConfigValues.positive(c, "data.cache-limit-mb"),
                ConfigValues.positive(c, "data.prefetch-batches"), ConfigValues.nonNegative(c, "data.decode-threads"),
                ConfigValues.positive(c, "data.shuffle-files"), ConfigValues.positive(c, "train.batch-size-per-worker"));
    }

    private static int decodeSize(Config c, DataFormat format) {
        int decodeSize = ConfigValues.nonNegative(c, "data.decode-size");
        if (decodeSize > 0 && !format.decodesImages()) {
            throw new ConfigException.BadValue("data.decode-size", "sizes image folders as they are decoded; "
                    + format.name() + " data is stored at its own size (an export keeps the size it was exported at)");
        }
        return decodeSize;
    }

    /** The training and test sets, split into {@code workers} shards, checked against the model's input. */
    public TrainingData open(JavaSparkContext sc, int workers, Volume input, int classes, long seed) {
        TrainingData opened = format.open(this, DataContext.of(sc, workers, input, classes, seed));
        Volume stored = opened.train().shape();
        boolean crops = format.crops();
        if (crops ? stored.depth() != input.depth() || stored.width() < input.width() || stored.height() < input.height()
                : !stored.equals(input)) {
            throw new ConfigException.BadValue("model.input", "the model's input is " + input + " but the training images are "
                    + stored + (crops ? " (they may be larger: training crops the input out of them)" : ""));
        }
        return opened;
    }

    /** predict's --input, in whichever format it holds. */
    public PredictSource predictSource(JavaSparkContext sc, PredictInput input, int workers, Volume modelInput) {
        var context = DataContext.of(sc, workers, modelInput, 0, 0);
        return DataFormats.holding(input.path(), sc.hadoopConfiguration()).predictSource(this, input, context);
    }

    /** The examples as images are decoded: the model's input, or larger (data.decode-size) for training to crop from. */
    Volume stored(Volume modelInput) {
        if (decodeSize > 0 && (decodeSize < modelInput.width() || decodeSize < modelInput.height())) {
            throw new ConfigException.BadValue("data.decode-size", "is " + decodeSize + ", smaller than model.input "
                    + modelInput);
        }
        return decodeSize > 0 ? new Volume(decodeSize, decodeSize, modelInput.depth()) : modelInput;
    }
}
