package sparkcnn.jobs.data;

import com.typesafe.config.ConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import sparkcnn.driver.data.DataException;

/** Every data format, by name ({@code data.format}) and by what a path holds (predict's --input). */
public final class DataFormats {
    /** In the order predict asks them whether they hold an --input: an export before any directory, CIFAR before idx. */
    private static final List<DataFormat> ALL = List.of(new ExportedFormat(), new ImageFolderFormat(), new CifarFormat(),
            new IdxFormat(), new DataFrameFormat());
    public static final List<String> NAMES = List.of("idx", "cifar", "imagefolder", "exported", DataFrameFormat.NAME);
    /** Data a program hands over (the Spark ML API's DataFrames): no keys to read, nothing to open. */
    public static final String DATAFRAME = DataFrameFormat.NAME;

    private DataFormats() {
    }

    public static DataFormat named(String name) {
        return ALL.stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow(() ->
                new ConfigException.BadValue("data.format", "unknown data format '" + name + "'; expected one of "
                        + NAMES));
    }

    /** The format of the data at {@code input}, which must exist. */
    public static DataFormat holding(String input, org.apache.hadoop.conf.Configuration hadoop) {
        Path path = new Path(input);
        try {
            FileSystem fs = path.getFileSystem(hadoop);
            if (!fs.exists(path)) {
                throw new DataException("--input " + input + " does not exist");
            }
            FileStatus status = fs.getFileStatus(path);
            for (DataFormat format : ALL) {
                if (format.holds(fs, status)) {
                    return format;
                }
            }
            throw new DataException("--input " + input + " holds no data sparkcnn reads");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read --input " + input, e);
        }
    }
}
