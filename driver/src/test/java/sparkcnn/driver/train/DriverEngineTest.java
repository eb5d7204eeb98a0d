package sparkcnn.driver.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import sparkcnn.driver.FashionMnist;
import sparkcnn.driver.LocalSpark;
import sparkcnn.driver.data.IdxDataSource;
import sparkcnn.driver.data.CachedShard;
import sparkcnn.driver.eval.DistributedEvaluation;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.kernels.arch.PatternNet;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.data.ExampleBlock;
import sparkcnn.kernels.data.Preprocessing;
import sparkcnn.kernels.eval.EvalCounts;
import sparkcnn.kernels.net.GraphBuilder;
import sparkcnn.kernels.optim.Optimizer;
import sparkcnn.kernels.train.ModelState;
import sparkcnn.kernels.train.RoundResult;

/** Parameter averaging on real Spark (local[2]) and real Fashion-MNIST examples. */
class DriverEngineTest {
    private static final PatternNet NET = new PatternNet(new Volume(28, 28, 1),
            List.of(new PatternNet.Stage(1, 8, 3, true), new PatternNet.Stage(1, 16, 3, true)), List.of(32), 10);
    private static final AveragingSettings SETTINGS = new AveragingSettings(2, 32, 2, 1, 11, 10, 1);

    private static JavaSparkContext sc;
    private static IdxDataSource train;

    @BeforeAll
    static void start() {
        FashionMnist.require();
        sc = LocalSpark.start("averaging-test");
        NativeBackend.init(1);
        train = new IdxDataSource(FashionMnist.TRAIN_IMAGES, FashionMnist.TRAIN_LABELS,
                new HadoopConf(new Configuration()), 2560);
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
    }

    static ModelState fresh(Optimizer optimizer) {
        var graph = new ComputationGraph(GraphBuilder.build(NET.input(), NET.layers(), optimizer, 5));
        graph.init();
        return ModelState.of(graph);
    }

    @Test
    void aRoundAveragesTheParametersAndUpdaterStatesOfBothWorkers() {
        ModelState start = fresh(Optimizer.constant("adam", 1e-3, 0, 0));
        JavaRDD<ExampleBlock> shards = train.blocks(sc, 2);

        RoundResult spark = new DriverEngine(sc, SETTINGS).round(start, TestEngines.cached(shards), 1, 0).result();

        // The same two workers' steps, recomputed here one after the other from the same start
        List<RoundResult> workers = new ArrayList<>();
        for (sparkcnn.driver.data.RecordSource.Range range : train.ranges(2)) {
            workers.add(WorkerRound.fit(start, new CachedShard(train.read(range)), SETTINGS, 1, 0).result());
        }
        float[] w0 = workers.get(0).paramSum();
        float[] w1 = workers.get(1).paramSum();
        assertFalse(Arrays.equals(start.params(), w0), "worker 0 did not change its parameters");
        assertFalse(Arrays.equals(start.params(), w1), "worker 1 did not change its parameters");
        assertTrue(maxAbsDiff(w0, w1) > 1e-4, "workers saw different data and must differ");

        assertEquals(2, spark.workers());
        assertEquals(2 * SETTINGS.examplesPerWorkerRound(), spark.examples());
        assertEquals(4, spark.minibatches());
        float[] expectedParams = mean(w0, w1);
        float[] averaged = spark.averageParams();
        assertTrue(maxAbsDiff(expectedParams, averaged) < 1e-5,
                "Spark's average differs from the mean of the two workers by " + maxAbsDiff(expectedParams, averaged));
        // the average lies strictly between the two workers wherever they differ
        assertTrue(maxAbsDiff(averaged, w0) > 1e-5 && maxAbsDiff(averaged, w1) > 1e-5);
        float[] expectedUpdater = mean(workers.get(0).updaterSum(), workers.get(1).updaterSum());
        assertTrue(maxAbsDiff(expectedUpdater, spark.averageUpdaterState()) < 1e-5, "Adam moments must be averaged too");
        assertTrue(Arrays.stream(toDoubles(spark.averageUpdaterState())).anyMatch(v -> v != 0));
    }

    @Test
    void withoutUpdaterAveragingOnlyParametersTravelAndTheUpdaterStateStays() {
        ModelState start = fresh(Optimizer.constant("adam", 1e-3, 0, 0));
        var settings = new AveragingSettings(2, 32, 2, 1, 11, 10, Preprocessing.scaleOnly(1), false, 3);
        RoundResult sum = new DriverEngine(sc, settings).round(start, TestEngines.cached(train.blocks(sc, 2)), 1, 0)
                .result();
        assertEquals(0, sum.updaterSum().length);
        assertEquals(2, sum.workers());
        ModelState after = TestEngines.fitEpoch(sc, settings, start, train.blocks(sc, 2), 1280, 1, r -> { });
        assertArrayEquals(start.updaterState(), after.updaterState());
        assertFalse(Arrays.equals(start.params(), after.params()));
    }

    @Test
    void trainingLowersTheLossAndBeatsChanceOnTheTestSet() {
        ModelState state = fresh(Optimizer.constant("adam", 2e-3, 0, 0));
        JavaRDD<ExampleBlock> shards = train.blocks(sc, 2).cache();
        List<Double> epochLoss = new ArrayList<>();
        List<RoundReport> reports = new ArrayList<>();
        for (int epoch = 1; epoch <= 3; epoch++) {
            int before = reports.size();
            state = TestEngines.fitEpoch(sc, SETTINGS, state, shards, 1280, epoch, reports::add);
            epochLoss.add(reports.subList(before, reports.size()).stream().mapToDouble(RoundReport::loss).average().orElseThrow());
        }
        assertEquals(3 * SETTINGS.roundsPerEpoch(1280), reports.size());
        assertEquals(20, SETTINGS.roundsPerEpoch(1280));
        assertTrue(epochLoss.get(2) < 0.7 * epochLoss.get(0), "loss per epoch: " + epochLoss);

        var test = new IdxDataSource(FashionMnist.TEST_IMAGES, FashionMnist.TEST_LABELS,
                new HadoopConf(new Configuration()), 1000);
        EvalCounts counts = DistributedEvaluation.evaluate(sc, state, test.blocks(sc, 2), 100, 10, 1,
                Preprocessing.scaleOnly(1));
        assertEquals(1000, counts.count());
        assertTrue(counts.accuracy() > 0.5, "accuracy " + counts.accuracy() + " (chance is 0.1)");
        assertTrue(counts.top5Accuracy() >= counts.accuracy());
    }

    @Test
    void aDivergingRunStopsWithAClearError() {
        ModelState start = fresh(Optimizer.constant("sgd", 1e9, 0, 0));
        JavaRDD<ExampleBlock> shards = train.blocks(sc, 2);
        var e = assertThrows(DivergenceException.class,
                () -> TestEngines.fitEpoch(sc, SETTINGS, start, shards, 1280, 1, r -> { }));
        assertTrue(e.getMessage().contains("diverged in epoch 1"), e.getMessage());
    }

    static float[] mean(float[] a, float[] b) {
        float[] m = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            m[i] = (a[i] + b[i]) / 2;
        }
        return m;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
