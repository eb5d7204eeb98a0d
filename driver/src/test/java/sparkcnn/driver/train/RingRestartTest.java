package sparkcnn.driver.train;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import sparkcnn.driver.FashionMnist;
import sparkcnn.driver.data.CachedShard;
import sparkcnn.driver.data.IdxDataSource;
import sparkcnn.driver.data.Shard;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.kernels.arch.PatternNet;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.net.GraphBuilder;
import sparkcnn.kernels.optim.LearningRateSchedule;
import sparkcnn.kernels.optim.Optimizer;
import sparkcnn.kernels.train.ModelState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A ring worker that fails mid-epoch: the ring starts again from the last state the driver holds,
 * and the epoch ends exactly where the driver's averaging ends it, each round reported once.
 */
class RingRestartTest {
    /** Fails once per JVM: partition 1's first slice at or after round 3. */
    static final AtomicBoolean FAILED = new AtomicBoolean();

    /** A shard whose worker dies once, in the middle of the epoch. */
    record FailingOnce(Shard shard, int partition, int failFrom) implements Shard {
        @Override
        public int size() {
            return shard.size();
        }

        @Override
        public long firstId() {
            return shard.firstId();
        }

        @Override
        public Slice slice(long seed, int epoch, int from, int to) {
            if (partition == 1 && from >= failFrom && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("a worker lost in the middle of the epoch (test)");
            }
            return shard.slice(seed, epoch, from, to);
        }
    }

    @Test
    void aLostWorkerRestartsTheRingFromTheLastStateTheDriverHolds() {
        FashionMnist.require();
        var settings = new AveragingSettings(2, 32, 2, 1, 11, 10, 1);
        var net = new PatternNet(new Volume(28, 28, 1), List.of(new PatternNet.Stage(1, 8, 3, true)), List.of(16), 10);
        try (var sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("ring-restart")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1"))) {
            NativeBackend.init(1);
            var train = new IdxDataSource(FashionMnist.TRAIN_IMAGES, FashionMnist.TRAIN_LABELS,
                    new HadoopConf(new Configuration()), 1024);
            JavaRDD<Shard> shards = TestEngines.cached(train.blocks(sc, 2)).cache();
            int failFrom = 3 * settings.examplesPerWorkerRound();
            JavaRDD<Shard> failing = shards.mapPartitionsWithIndex((i, it) -> List.<Shard>of(
                    new FailingOnce(it.next(), i, failFrom)).iterator(), true);
            var graph = new ComputationGraph(GraphBuilder.build(net.input(), net.layers(),
                    Optimizer.constant("nesterovs", 0.05, 0.9, 0), 5));
            graph.init();
            ModelState start = ModelState.of(graph);
            var rate = LearningRateSchedule.constant(0.05, 1);

            List<RoundReport> rounds = new ArrayList<>();
            ModelState ring = TestEngines.ring(sc, settings, 2, 20, false, new StopRequest()).fitRounds(start, failing, 6, 1,
                    0, rate, (r, s) -> rounds.add(r));
            ModelState driver = new DriverEngine(sc, settings).fitRounds(start, shards, 6, 1, 0, rate, (r, s) -> { });

            assertTrue(FAILED.get(), "the worker never failed");
            assertEquals(List.of(1, 2, 3, 4, 5, 6), rounds.stream().map(RoundReport::round).toList(), "each round once");
            double params = DriverEngineTest.maxAbsDiff(driver.params(), ring.params());
            assertTrue(params < 1e-5, "the restarted ring ends " + params + " from the driver's averaging");
            assertEquals(driver.iteration(), ring.iteration());
        }
    }
}
