package sparkcnn.jobs.data;

import com.typesafe.config.Config;
import java.io.IOException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

/**
 * One data format ({@code data.format}): the keys of {@code data.train} and {@code data.test} it
 * reads, what it can do, and how it opens a data set for training and evaluation (both sets, split
 * over the workers) and for predict (any path holding data of the format). A new format is one
 * class beside these, listed in {@link DataFormats}.
 */
public interface DataFormat {
    /** Its {@code data.format} value. */
    String name();

    /** Checks its keys in {@code set} (data.train or data.test), naming a missing or bad one. */
    void checkKeys(Config c, String set);

    /** Whether its examples can stream from files instead of being held in executor memory (data.cache). */
    default boolean streams() {
        return false;
    }

    /** Whether it decodes images, so data.decode-size can size them. */
    default boolean decodesImages() {
        return false;
    }

    /** Whether its stored examples may be larger than the model's input (training crops out of them). */
    default boolean crops() {
        return false;
    }

    /** The training and test sets, split into the workers' shards. */
    TrainingData open(DataSpec spec, DataContext context);

    /** Whether predict's --input (a file or directory) holds data of this format. */
    default boolean holds(FileSystem fs, FileStatus input) throws IOException {
        return false;
    }

    /** predict's --input, which {@link #holds} this format's data. */
    default PredictSource predictSource(DataSpec spec, PredictInput input, DataContext context) {
        throw new UnsupportedOperationException(name() + " data is not read by predict");
    }
}
