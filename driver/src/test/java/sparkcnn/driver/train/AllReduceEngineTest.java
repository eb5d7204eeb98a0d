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
import sparkcnn.driver.eval.DistributedEvaluation;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.data.Preprocessing;
import sparkcnn.kernels.optim.LearningRateSchedule;
import sparkcnn.kernels.optim.Optimizer;
import sparkcnn.kernels.train.ModelState;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
        shards = TestEngines.cached(train.blocks(sc, 2)).cache();
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    private static ModelState fresh(Optimizer optimizer) {
        return DriverEngineTest.fresh(optimizer); // the same small pattern net
    }

    private record Fitted(ModelState state, List<RoundReport> rounds, List<ModelState> states) {
    }

    private static Fitted fit(Engine engine, ModelState start, int rounds) {
        return fit(engine, start, rounds, RATE);
    }

    /** {@code rounds} rounds of epoch 1 from {@code start}; the engine closed after them. */
    private static Fitted fit(Engine engine, ModelState start, int rounds, LearningRateSchedule rate) {
        try (engine) {
            return fitMore(engine, start, 1, 0, rounds, rate);
        }
    }

    /** Rounds {@code from..rounds-1} of {@code epoch} on an engine that stays open. */
    private static Fitted fitMore(Engine engine, ModelState start, int epoch, int from, int rounds,
                                  LearningRateSchedule rate) {
        List<RoundReport> reports = new ArrayList<>();
        List<ModelState> states = new ArrayList<>();
        ModelState after = engine.fitRounds(start, shards, rounds, epoch, from, rate, (r, s) -> {
            reports.add(r);
            states.add(s);
        });
        return new Fitted(after, reports, states);
    }

    @Test
    void theRingAveragesAsTheDriverDoesAndHandsTheStateOverOnlyAtCheckpoints() {
        ModelState start = fresh(Optimizer.constant("nesterovs", 0.05, 0.9, 0));
        Fitted driver = fit(new DriverEngine(sc, SETTINGS), start, 6);
        Fitted ring = fit(TestEngines.ring(sc, SETTINGS, 4, 60, false, new StopRequest()), start, 6);

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
        double params = DriverEngineTest.maxAbsDiff(driver.state().params(), ring.state().params());
        double momentum = DriverEngineTest.maxAbsDiff(driver.state().updaterState(), ring.state().updaterState());
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
        try (var ring = TestEngines.ring(sc, SETTINGS, 0, 60, false, stop)) {
            ring.fitRounds(start, shards, 8, 1, 0, RATE, (r, s) -> {
                reports.add(r);
                states.add(s);
                if (r.round() == 2) {
                    stop.request("a test", 143); // the workers are in round 3 or later by now
                }
            });
        }
        int last = reports.size();
        assertTrue(last >= 3 && last < 8, "stopped after round " + last);
        assertNotNull(states.get(last - 1), "the round the ring stopped after hands its state over");
        Fitted driver = fit(new DriverEngine(sc, SETTINGS), start, last);
        double params = DriverEngineTest.maxAbsDiff(driver.state().params(), states.get(last - 1).params());
        assertTrue(params < 1e-5, "the stopped ring's state differs from " + last + " driver rounds by " + params);
    }

    @Test
    void aDivergingRingStopsWithTheDriversError() {
        ModelState start = fresh(Optimizer.constant("sgd", 1e9, 0, 0));
        var e = assertThrows(DivergenceException.class,
                () -> fit(TestEngines.ring(sc, SETTINGS, 0, 60, false, new StopRequest()), start, 4, LearningRateSchedule.constant(1e9, 1)));
        assertTrue(e.getMessage().contains("diverged in epoch 1"), e.getMessage());
    }

    @Test
    void moreWorkersThanTaskSlotsFailBeforeAnyTaskStarts() {
        var three = new AveragingSettings(3, 32, 2, 1, 11, 10, Preprocessing.scaleOnly(1), true, 2);
        long t0 = System.nanoTime();
        var e = assertThrows(IllegalArgumentException.class,
                () -> fit(TestEngines.ring(sc, three, 0, 60, false, new StopRequest()), fresh(Optimizer.constant("sgd", 0.01, 0, 0)), 2));
        assertTrue(e.getMessage().contains("train.workers = 3") && e.getMessage().contains("2 task slots"),
                e.getMessage());
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "a local cluster's slots are known at once");
    }

    @Test
    void theRingStaysUpAcrossEpochsAndScoresTheTestSetOnItsOwnTasks() {
        ModelState start = fresh(Optimizer.constant("nesterovs", 0.05, 0.9, 0));
        var test = TestEngines.cached(new IdxDataSource(FashionMnist.TEST_IMAGES, FashionMnist.TEST_LABELS,
                new HadoopConf(new Configuration()), 600).blocks(sc, 2)).cache();
        var scoring = new DistributedEvaluation.Scoring(100, 10, 1, Preprocessing.scaleOnly(1));
        var jobs = new JobCounter();
        sc.sc().addSparkListener(jobs);
        ModelState ringState = start;
        List<DistributedEvaluation.Scored> ringScores = new ArrayList<>();
        try (var ring = new AllReduceEngine(sc, SETTINGS, new AllReduceEngine.Options(0, 60, false), new StopRequest(),
                test, scoring)) {
            for (int epoch = 1; epoch <= 2; epoch++) {
                ringState = fitMore(ring, ringState, epoch, 0, 3, RATE).state();
                ringScores.add(ring.score(sc, ringState, test, scoring));
            }
            assertEquals(1, jobs.started(), "one stage for two epochs and their evaluations");
        } finally {
            sc.sc().removeSparkListener(jobs);
        }
        ModelState driverState = start;
        try (var driver = new DriverEngine(sc, SETTINGS)) {
            for (int epoch = 1; epoch <= 2; epoch++) {
                driverState = fitMore(driver, driverState, epoch, 0, 3, RATE).state();
                var scored = DistributedEvaluation.score(sc, driverState, test, scoring);
                assertEquals(scored.counts().count(), ringScores.get(epoch - 1).counts().count());
                assertEquals(scored.counts().correct(), ringScores.get(epoch - 1).counts().correct(), 2,
                        "epoch " + epoch + ": the ring's tasks score as a job of its own does");
                assertEquals(scored.counts().lossSum(), ringScores.get(epoch - 1).counts().lossSum(),
                        1e-3 * scored.counts().lossSum());
            }
        }
        assertEquals(600, ringScores.get(1).counts().count());
        double params = DriverEngineTest.maxAbsDiff(driverState.params(), ringState.params());
        assertTrue(params < 1e-5, "after two epochs on one ring the parameters differ from the driver's by " + params);
        assertEquals(driverState.iteration(), ringState.iteration());
    }

    @Test
    void aRingFormsAgainFromAStateItDoesNotHold() {
        ModelState start = fresh(Optimizer.constant("nesterovs", 0.05, 0.9, 0));
        var jobs = new JobCounter();
        sc.sc().addSparkListener(jobs);
        try (var ring = TestEngines.ring(sc, SETTINGS, 0, 60, false, new StopRequest())) {
            ModelState after = fitMore(ring, start, 1, 0, 2, RATE).state();
            fitMore(ring, start, 1, 0, 2, RATE); // not the state the workers hold: they must not go on from theirs
            assertEquals(2, jobs.started());
            ModelState again = fitMore(ring, start, 1, 0, 2, RATE).state();
            assertEquals(3, jobs.started());
            assertTrue(DriverEngineTest.maxAbsDiff(after.params(), again.params()) < 1e-6, "the same rounds again");
        } finally {
            sc.sc().removeSparkListener(jobs);
        }
    }

    @Test
    void overlapAppliesTheAverageOneRoundLateAndWaitsForItAtCheckpoints() {
        ModelState start = fresh(Optimizer.constant("nesterovs", 0.05, 0.9, 0));
        Fitted sync = fit(TestEngines.ring(sc, SETTINGS, 3, 60, false, new StopRequest()), start, 6);
        Fitted overlap = fit(TestEngines.ring(sc, SETTINGS, 3, 60, true, new StopRequest()), start, 6);
        Fitted again = fit(TestEngines.ring(sc, SETTINGS, 3, 60, true, new StopRequest()), start, 6);

        assertEquals(6, overlap.rounds().size());
        assertNotNull(overlap.states().get(2), "the checkpoint round hands its state over");
        assertNull(overlap.states().get(3));
        assertEquals(sync.rounds().get(0).loss(), overlap.rounds().get(0).loss(), 1e-6, "the first round is the same");
        double apart = DriverEngineTest.maxAbsDiff(sync.state().params(), overlap.state().params());
        assertTrue(apart > 1e-5, "overlap changed nothing: it did not overlap");
        assertArrayEquals(overlap.state().params(), again.state().params(), "overlap is reproducible");
        double lastLoss = overlap.rounds().get(5).loss();
        assertTrue(Math.abs(lastLoss - sync.rounds().get(5).loss()) < 0.25 * sync.rounds().get(5).loss(),
                "overlap's round-6 loss " + lastLoss + " against " + sync.rounds().get(5).loss() + " without");
        assertEquals(sync.state().iteration(), overlap.state().iteration());

        // resuming from the checkpoint round (3) fits rounds 4-6 exactly as the run that went on
        Fitted resumed;
        try (var ring = TestEngines.ring(sc, SETTINGS, 3, 60, true, new StopRequest())) {
            resumed = fitMore(ring, overlap.states().get(2), 1, 3, 6, RATE);
        }
        assertArrayEquals(overlap.state().params(), resumed.state().params(), "a resume is exact under overlap");
    }

    @Test
    void withOneWorkerOverlapChangesNothing() {
        var one = new AveragingSettings(1, 32, 2, 1, 11, 10, 1);
        ModelState start = fresh(Optimizer.constant("nesterovs", 0.05, 0.9, 0));
        JavaRDD<Shard> single = TestEngines.cached(new IdxDataSource(FashionMnist.TRAIN_IMAGES, FashionMnist.TRAIN_LABELS,
                new HadoopConf(new Configuration()), 512).blocks(sc, 1)).cache();
        List<ModelState> ends = new ArrayList<>();
        for (boolean overlap : List.of(false, true)) {
            try (var ring = TestEngines.ring(sc, one, 0, 60, overlap, new StopRequest())) {
                ends.add(ring.fitRounds(start, single, 5, 1, 0, RATE, (r, s) -> { }));
            }
        }
        // the average of one worker is its own result: moving the next round onto it moves nothing
        double apart = DriverEngineTest.maxAbsDiff(ends.get(0).params(), ends.get(1).params());
        assertTrue(apart < 1e-6, "overlap moved a lone worker by " + apart);
        assertTrue(DriverEngineTest.maxAbsDiff(ends.get(0).updaterState(), ends.get(1).updaterState()) < 1e-6);
        assertEquals(ends.get(0).iteration(), ends.get(1).iteration());
    }

    /** Counts the Spark jobs started while it listens. */
    private static final class JobCounter extends org.apache.spark.scheduler.SparkListener {
        private final java.util.concurrent.atomic.AtomicInteger started = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart job) {
            started.incrementAndGet();
        }

        int started() {
            return started.get();
        }
    }
}
