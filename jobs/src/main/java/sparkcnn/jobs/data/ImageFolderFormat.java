package sparkcnn.jobs.data;

import static sparkcnn.jobs.config.ConfigValues.required;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import sparkcnn.driver.data.EpochData;
import sparkcnn.driver.data.ImageFolderSource;
import sparkcnn.driver.data.ImageFolderSource.ImageFile;
import sparkcnn.kernels.arch.Volume;

/**
 * {@code root/<class>/<image>.{jpg,jpeg,png}}, the ImageNet layout: {@code root}; class index =
 * sorted folder names. Decoded (and sized by data.decode-size) on the executors, held in memory and
 * dealt afresh each epoch, or streamed.
 */
final class ImageFolderFormat extends DataFormat {
    ImageFolderFormat() {
        super("imagefolder", Can.STREAM, Can.DECODE_IMAGES, Can.CROP);
    }

    @Override
    void checkKeys(Config c, String set) {
        required(c, set + ".root");
    }

    @Override
    TrainingData open(DataSpec spec, DataContext context) {
        Volume stored = spec.stored(context.input());
        ImageFolderSource trainFolder = folder(spec.train(), "data.train", context);
        if (trainFolder.classes().size() != context.classes()) {
            // more output units than classes would train phantom classes; fewer cannot label them all
            throw new ConfigException.BadValue("model.classes", String.format("is %d, but the training folder %s has "
                    + "%d class folders %s", context.classes(), trainFolder.root(), trainFolder.classes().size(),
                    abbreviate(trainFolder.classes())));
        }
        ImageFolderSource testFolder = folder(spec.test(), "data.test", context);
        testFolder.requireClassesOf(trainFolder);
        var testFiles = testFolder.filesLabelledBy(trainFolder.classes());
        return new TrainingData(trainingSet(spec, trainFolder, stored, context),
                testSet(spec, testFiles, trainFolder, stored, context));
    }

    /** Dealt afresh over the workers every epoch (balanced to within one file, fixed by the seed). */
    private static EpochData trainingSet(DataSpec spec, ImageFolderSource folder, Volume stored, DataContext c) {
        List<ImageFile> files = folder.files();
        long seed = c.seed();
        if (spec.feed().streams("data.train", files.size() * stored.size() / c.workers())) {
            String id = "imagefolder:" + folder.root() + ":" + UUID.randomUUID();
            int threads = c.decodeThreads(spec.feed());
            return EpochData.streamed(c.sc(), epoch -> ImageFolderSource.plan(files, c.workers(), seed * 31 + epoch,
                    seed, epoch, id + "/epoch-" + epoch, stored, spec.badImages(), c.hadoop(),
                    spec.feed().prefetchExamples(), threads), stored, folder.classes());
        }
        return EpochData.reshuffled(epoch -> ImageFolderSource.decode(c.sc(), files, c.workers(), seed * 31 + epoch,
                stored, spec.badImages(), c.hadoop()), stored, folder.classes());
    }

    private static EpochData testSet(DataSpec spec, List<ImageFile> files, ImageFolderSource train, Volume stored,
                                     DataContext c) {
        if (spec.feed().streams("data.test", files.size() * stored.size() / c.workers())) {
            String id = "imagefolder:" + spec.test().getString("root") + ":" + UUID.randomUUID();
            return EpochData.streamed(c.sc(), epoch -> ImageFolderSource.plan(files, c.workers(), c.seed(), c.seed(), 0,
                    id, stored, spec.badImages(), c.hadoop(), spec.feed().prefetchExamples(),
                    c.decodeThreads(spec.feed())), stored, train.classes());
        }
        return EpochData.fixedDecoded(ImageFolderSource.decode(c.sc(), files, c.workers(), c.seed(), stored,
                spec.badImages(), c.hadoop()), stored, train.classes());
    }

    /** Any directory (of image files in any nesting, class folders or not). */
    @Override
    boolean holds(FileSystem fs, FileStatus input) {
        return input.isDirectory();
    }

    @Override
    PredictSource predictSource(DataSpec spec, PredictInput input, DataContext context) {
        return ImagePredictSource.list(input.path(), spec.stored(context.input()), context.hadoop());
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 10 ? names.toString() : names.subList(0, 10) + "...";
    }

    private static ImageFolderSource folder(Config c, String key, DataContext context) {
        return DataContext.naming(key + ".root", () -> new ImageFolderSource(required(c, "root"), context.hadoop()));
    }
}
