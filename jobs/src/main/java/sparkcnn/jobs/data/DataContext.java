package sparkcnn.jobs.data;

import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import sparkcnn.driver.SparkContexts;
import sparkcnn.driver.data.DataException;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.kernels.arch.Volume;

/** What opening a data set needs of the job: Spark, Hadoop, the workers, the model's input and classes, the seed. */
public record DataContext(JavaSparkContext sc, HadoopConf hadoop, int workers, Volume input, int classes, long seed) {
    public static DataContext of(JavaSparkContext sc, int workers, Volume input, int classes, long seed) {
        return new DataContext(sc, new HadoopConf(sc.hadoopConfiguration()), workers, input, classes, seed);
    }

    /** Background threads decoding a streamed shard: data.decode-threads, or (0) the cores of a task. */
    int decodeThreads(Feed feed) {
        return feed.decodeThreads() > 0 ? feed.decodeThreads() : SparkContexts.taskCpus(sc);
    }

    /** Class names "0".."n-1" for formats that carry only label numbers. */
    public static List<String> numbered(int n) {
        return IntStream.range(0, n).mapToObj(String::valueOf).toList();
    }

    /** Runs {@code open}, naming the config key {@code key} in a data error. */
    static <T> T naming(String key, java.util.function.Supplier<T> open) {
        try {
            return open.get();
        } catch (DataException e) {
            throw new DataException(key + ": " + e.getMessage(), e);
        }
    }
}
