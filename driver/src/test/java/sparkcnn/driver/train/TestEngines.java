package sparkcnn.driver.train;

import java.util.function.Consumer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import sparkcnn.driver.data.CachedShard;
import sparkcnn.driver.data.Shard;
import sparkcnn.kernels.data.ExampleBlock;
import sparkcnn.kernels.optim.LearningRateSchedule;
import sparkcnn.kernels.train.ModelState;

/** The engines as tests drive them: blocks in memory, whole epochs at the state's own rate, rings without a test set. */
final class TestEngines {
    private TestEngines() {
    }

    /** Blocks in memory as shards. */
    static JavaRDD<Shard> cached(JavaRDD<ExampleBlock> blocks) {
        return blocks.map(b -> (Shard) new CachedShard(b));
    }

    /** One pass of every worker over its block in memory at the state's own learning rate. */
    static ModelState fitEpoch(JavaSparkContext sc, AveragingSettings settings, ModelState start,
                               JavaRDD<ExampleBlock> blocks, int largestShard, int epoch, Consumer<RoundReport> onRound) {
        return new DriverEngine(sc, settings).fitRounds(start, cached(blocks), settings.roundsPerEpoch(largestShard),
                epoch, 0, LearningRateSchedule.constant(start.learningRate(), Math.max(1, epoch)),
                (r, s) -> onRound.accept(r));
    }

    /** A ring engine that checkpoints every {@code checkpointEvery} rounds, its evaluation in jobs of their own. */
    static AllReduceEngine ring(JavaSparkContext sc, AveragingSettings settings, int checkpointEvery, int timeoutSeconds,
                                boolean overlap, StopRequest stop) {
        return new AllReduceEngine(sc, settings, new AllReduceEngine.Options(checkpointEvery, timeoutSeconds, overlap),
                stop, null, null);
    }
}
