package sparkcnn.jobs.data;

import com.typesafe.config.Config;
import java.io.IOException;
import java.util.Set;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import sparkcnn.driver.data.EpochData;

/**
 * One data format ({@code data.format}): the keys of {@code data.train} and {@code data.test} it
 * reads, what it can do, and how it opens a data set for training and evaluation (both sets, split
 * over the workers) and for predict (any path holding data of the format). A new format is one
 * class beside these, listed in {@link DataFormats}.
 */
public abstract class DataFormat {
    /** What a format can do beyond holding fixed examples in executor memory. */
    enum Can {
        /** stream its examples from files (data.cache = stream) */
        STREAM,
        /** decode images, which data.decode-size sizes */
        DECODE_IMAGES,
        /** store examples larger than the model's input, which training crops */
        CROP
    }

    private final String name;
    private final Set<Can> can;

    DataFormat(String name, Can... can) {
        this.name = name;
        this.can = Set.of(can);
    }

    /** Its {@code data.format} value. */
    public String name() {
        return name;
    }

    public boolean streams() {
        return can.contains(Can.STREAM);
    }

    public boolean decodesImages() {
        return can.contains(Can.DECODE_IMAGES);
    }

    public boolean crops() {
        return can.contains(Can.CROP);
    }

    /** Checks its keys in {@code set} (data.train or data.test), naming a missing or bad one. */
    abstract void checkKeys(Config c, String set);

    /** The training and test sets, split into the workers' shards; most formats open each set on its own. */
    TrainingData open(DataSpec spec, DataContext context) {
        return new TrainingData(openSet(spec, spec.train(), "data.train", context),
                openSet(spec, spec.test(), "data.test", context));
    }

    /** One set, {@code set} of the config key {@code key} (data.train or data.test). */
    EpochData openSet(DataSpec spec, Config set, String key, DataContext context) {
        throw new UnsupportedOperationException(name + " opens both sets together");
    }

    /** Whether predict's --input (a file or directory) holds data of this format. */
    boolean holds(FileSystem fs, FileStatus input) throws IOException {
        return false;
    }

    /** predict's --input, which {@link #holds} this format's data. */
    PredictSource predictSource(DataSpec spec, PredictInput input, DataContext context) {
        throw new UnsupportedOperationException(name + " data is not read by predict");
    }
}
