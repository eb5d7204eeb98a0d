package sparkcnn.jobs.data;

import static sparkcnn.jobs.config.ConfigValues.required;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import sparkcnn.driver.data.EpochData;
import sparkcnn.driver.data.IdxDataSource;
import sparkcnn.jobs.config.ConfigValues;

/** MNIST / Fashion-MNIST idx files, plain or gzipped: {@code images}, {@code labels}, {@code limit}. */
final class IdxFormat extends DataFormat {
    IdxFormat() {
        super("idx");
    }

    @Override
    void checkKeys(Config c, String set) {
        required(c, set + ".images");
        required(c, set + ".labels");
        limit(c.getConfig(set), set);
    }

    @Override
    EpochData openSet(DataSpec spec, Config c, String key, DataContext context) {
        return DataContext.naming(key, () -> {
            var source = new IdxDataSource(required(c, "images"), required(c, "labels"), context.hadoop(), limit(c, key));
            return EpochData.fixed(source.blocks(context.sc(), context.workers()), source.shape(),
                    DataContext.numbered(context.classes()));
        });
    }

    /** Any file that is not CIFAR's (its header is checked when it is opened). */
    @Override
    boolean holds(FileSystem fs, FileStatus input) {
        return input.isFile();
    }

    @Override
    PredictSource predictSource(DataSpec spec, PredictInput input, DataContext context) {
        var source = new IdxDataSource(input.path(), input.labels(), context.hadoop());
        return PredictSource.of(source, "idx images", input.labels() != null);
    }

    private static int limit(Config c, String key) {
        int limit = ConfigValues.integer(c, "limit", key);
        if (limit < 0) {
            throw new ConfigException.BadValue(key + ".limit", "must be >= 0 (0 = all), got " + limit);
        }
        return limit;
    }
}
