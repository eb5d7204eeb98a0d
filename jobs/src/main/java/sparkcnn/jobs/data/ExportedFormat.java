package sparkcnn.jobs.data;

import static sparkcnn.jobs.config.ConfigValues.required;

import com.typesafe.config.Config;
import java.io.IOException;
import java.util.UUID;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import sparkcnn.driver.data.EpochData;
import sparkcnn.driver.data.ExportedSource;

/** Minibatch files written by {@code sparkcnn export}: {@code dir}; held in memory or streamed. */
final class ExportedFormat extends DataFormat {
    ExportedFormat() {
        super("exported", Can.STREAM, Can.CROP);
    }

    @Override
    void checkKeys(Config c, String set) {
        required(c, set + ".dir");
    }

    @Override
    EpochData openSet(DataSpec spec, Config c, String key, DataContext context) {
        return DataContext.naming(key, () -> {
            var source = new ExportedSource(required(c, "dir"), context.hadoop());
            var classes = DataContext.numbered(context.classes());
            Feed feed = spec.feed();
            if (!feed.streams(key, source.count() * source.shape().size() / context.workers())) {
                return EpochData.fixed(source.blocks(context.sc(), context.workers()), source.shape(), classes);
            }
            String id = key + ":" + source.dir() + ":" + UUID.randomUUID();
            int prefetch = (int) Math.ceil(feed.prefetchExamples() / (source.examplesPerFile() * feed.shuffleFiles()));
            int threads = context.decodeThreads(feed);
            return EpochData.streamed(context.sc(), epoch -> ExportedSource.plan(source.listing(), context.workers(),
                    context.seed() * 31 + epoch, id + "/epoch-" + epoch, context.hadoop(), prefetch, threads,
                    feed.shuffleFiles()), source.shape(), classes);
        });
    }

    /** A directory with an export's manifest. */
    @Override
    boolean holds(FileSystem fs, FileStatus input) throws IOException {
        return input.isDirectory() && ExportedSource.isExport(fs, input.getPath());
    }

    @Override
    PredictSource predictSource(DataSpec spec, PredictInput input, DataContext context) {
        return PredictSource.of(new ExportedSource(input.path(), context.hadoop()), "exported examples", true);
    }
}
