package sparkcnn.jobs.data;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import sparkcnn.driver.data.CifarSource;
import sparkcnn.driver.data.EpochData;

/** CIFAR-10 / CIFAR-100 binary batches: {@code files}; {@code data.cifar100 = true} for the fine labels. */
final class CifarFormat extends DataFormat {
    CifarFormat() {
        super("cifar");
    }

    @Override
    void checkKeys(Config c, String set) {
        if (c.getStringList(set + ".files").isEmpty()) {
            throw new ConfigException.BadValue(set + ".files", "list the CIFAR batch files, e.g. [data_batch_1.bin, ...]");
        }
    }

    @Override
    EpochData openSet(DataSpec spec, Config c, String key, DataContext context) {
        return DataContext.naming(key, () -> {
            var source = new CifarSource(c.getStringList("files"), spec.cifar100(), context.hadoop());
            return EpochData.fixed(source.blocks(context.sc(), context.workers()), source.shape(),
                    DataContext.numbered(spec.cifar100() ? 100 : 10));
        });
    }

    /** CIFAR's binaries are named *.bin. */
    @Override
    boolean holds(FileSystem fs, FileStatus input) {
        return input.isFile() && input.getPath().getName().endsWith(".bin");
    }

    @Override
    PredictSource predictSource(DataSpec spec, PredictInput input, DataContext context) {
        return PredictSource.of(new CifarSource(List.of(input.path()), spec.cifar100(), context.hadoop()),
                "CIFAR images", true);
    }
}
