package sparkcnn.driver.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import sparkcnn.driver.FashionMnist;
import sparkcnn.driver.LocalSpark;
import sparkcnn.driver.data.IdxDataSource;
import sparkcnn.driver.data.Shard;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.data.Preprocessing;
import sparkcnn.kernels.optim.LearningRateSchedule;
import sparkcnn.kernels.optim.Optimizer;
import sparkcnn.kernels.train.ModelState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ring all-reduce engine in a real barrier stage (local[2]) against the driver's averaging. */
class AllReduceEngineTest {
    private static final AveragingSettings SETTINGS = new AveragingSettings(2, 32, 2, 1, 11, 10, 1);
    private static final LearningRateSchedule RATE = LearningRateSchedule.constant(2e-3, 1);

    private static JavaSparkContext sc;
    private static JavaRDD<Shard> shards;

    @BeforeAll
    static void start() {
        FashionMnist.require();
        sc = LocalSpark.start("allreduce-test");
        NativeBackend.init(1);
        var train = new IdxDataSource(FashionMnist.TRAIN_IMAGES, FashionMnist.TRAIN_LABELS,
                new HadoopConf(new Configuration()), 1024);
        shards = AveragingTrainer.cached(train.blocks(sc, 2)).cache();
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    private static ModelState fresh(Optimizer optimizer) {
        return AveragingTrainerTest.fresh(optimizer); // the same small pattern net
    }

    private record Fitted(ModelState state, List<RoundReport> rounds, List<ModelState> states) {
    }

    private static Fitted fit(Engine engine, ModelState start, int rounds) {
        return fit(engine, start, rounds, RATE);
    }

    private static Fitted fit(Engine engine, ModelState start, int rounds, LearningRateSchedule rate) {
        List<RoundReport> reports = new ArrayList<>();
        List<ModelState> states = new ArrayList<>();
        ModelState after = engine.fitRounds(start, shards, rounds, 1, 0, rate, (r, s) -> {
            reports.add(r);
            states.add(s);
        });
        return new Fitted(after, reports, states);
    }

    @Test
    void theRingAveragesAsTheDriverDoesAndHandsTheStateOverOnlyAtCheckpoints() {
        ModelState start = fresh(Optimizer.constant("nesterovs", 0.05, 0.9, 0));
        Fitted driver = fit(new AveragingTrainer(sc, SETTINGS), start, 6);
        Fitted ring = fit(new AllReduceEngine(sc, SETTINGS, 4, 60, new StopRequest()), start, 6);

        assertEquals(6, ring.rounds().size());
        for (int i = 0; i < 6; i++) {
            RoundReport d = driver.rounds().get(i);
            RoundReport r = ring.rounds().get(i);
            assertEquals(d.round(), r.round());
            assertEquals(d.examples(), r.examples());
            assertEquals(d.loss(), r.loss(), 1e-4 * Math.abs(d.loss()), "round " + (i + 1) + " loss");
            // the driver holds the state only where it checkpoints (round 4 of every 4) and at the end
            if (i == 3 || i == 5) {
                assertNotNull(ring.states().get(i), "round " + (i + 1));
            } else {
                assertNull(ring.states().get(i), "round " + (i + 1));
            }
        }
        assertFalse(Arrays.equals(start.params(), ring.state().params()), "the ring trained nothing");
        double params = AveragingTrainerTest.maxAbsDiff(driver.state().params(), ring.state().params());
        double momentum = AveragingTrainerTest.maxAbsDiff(driver.state().updaterState(), ring.state().updaterState());
        assertTrue(params < 1e-5, "parameters differ from the driver path's by " + params);
        assertTrue(momentum < 1e-5, "momentum differs from the driver path's by " + momentum);
        assertEquals(driver.state().iteration(), ring.state().iteration());
    }

    @Test
    void aStopEndsEveryWorkerAfterTheSameRoundAndHandsItsStateOver() {
        ModelState start = fresh(Optimizer.constant("nesterovs", 0.05, 0.9, 0));
        var stop = new StopRequest();
        List<RoundReport> reports = new ArrayList<>();
        List<ModelState> states = new ArrayList<>();
        new AllReduceEngine(sc, SETTINGS, 0, 60, stop).fitRounds(start, shards, 8, 1, 0, RATE, (r, s) -> {
            reports.add(r);
            states.add(s);
            if (r.round() == 2) {
                stop.request("a test", 143); // the workers are in round 3 or later by now
            }
        });
        int last = reports.size();
        assertTrue(last >= 3 && last < 8, "stopped after round " + last);
        assertNotNull(states.get(last - 1), "the round the ring stopped after hands its state over");
        Fitted driver = fit(new AveragingTrainer(sc, SETTINGS), start, last);
        double params = AveragingTrainerTest.maxAbsDiff(driver.state().params(), states.get(last - 1).params());
        assertTrue(params < 1e-5, "the stopped ring's state differs from " + last + " driver rounds by " + params);
    }

    @Test
    void aDivergingRingStopsWithTheDriversError() {
        ModelState start = fresh(Optimizer.constant("sgd", 1e9, 0, 0));
        var e = assertThrows(DivergenceException.class,
                () -> fit(new AllReduceEngine(sc, SETTINGS, 0, 60, new StopRequest()), start, 4, LearningRateSchedule.constant(1e9, 1)));
        assertTrue(e.getMessage().contains("diverged in epoch 1"), e.getMessage());
    }

    @Test
    void moreWorkersThanTaskSlotsFailBeforeAnyTaskStarts() {
        var three = new AveragingSettings(3, 32, 2, 1, 11, 10, Preprocessing.scaleOnly(1), true, 2);
        long t0 = System.nanoTime();
        var e = assertThrows(IllegalArgumentException.class,
                () -> fit(new AllReduceEngine(sc, three, 0, 60, new StopRequest()), fresh(Optimizer.constant("sgd", 0.01, 0, 0)), 2));
        assertTrue(e.getMessage().contains("train.workers = 3") && e.getMessage().contains("2 task slots"),
                e.getMessage());
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "a local cluster's slots are known at once");
    }
}
