package sparkcnn.jobs.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;
import sparkcnn.driver.collective.Coordinator;
import sparkcnn.driver.collective.DriverLink;
import sparkcnn.driver.train.RingAveraging;
import sparkcnn.jobs.report.Stats;
import sparkcnn.kernels.train.ModelState;

/**
 * {@code bench rounds --engine allreduce}: what a round of the all-reduce engine costs apart from
 * fitting, on the cluster it is submitted to: one barrier task per worker holds DenseNet-121's state
 * and averages it through the ring each round exactly as a training round does ({@link RingAveraging}:
 * into the native buffer, the ring's sum, out and divided, checked), then reports to the driver's
 * coordinator; the driver times the rounds as training does, from one report to the next.
 */
public final class RingRoundBench {
    private static final int TIMEOUT_SECONDS = 300;
    /** Rounds before the timed ones: the first joins the ring, the next warm the JIT up as a run's first rounds do. */
    private static final int WARM_UP = 6;

    private RingRoundBench() {
    }

    public static Map<String, Object> run(JavaSparkContext sc, int workers, int repeats, File outFile,
                                          PrintStream out) {
        RoundCostBench.awaitExecutors(sc, workers);
        ModelState state = RoundCostBench.denseNet121State();
        double stateMb = 4.0 * (state.params().length + state.updaterState().length) / (1 << 20);
        Broadcast<ModelState> shared = sc.broadcast(state);
        String host = sc.getConf().get("spark.driver.host", "127.0.0.1");
        double[] driverSeconds = new double[repeats];
        double[] ringSeconds = new double[repeats];
        long start = System.nanoTime();
        double setup;
        double handover;
        try (var coordinator = Coordinator.start(host, workers, TIMEOUT_SECONDS, 0)) {
            var task = new Rounds(shared, coordinator.contact(), WARM_UP + repeats);
            ClassTag<ModelState> tag = ClassTag$.MODULE$.apply(ModelState.class);
            JavaRDD<Integer> tasks = sc.parallelize(IntStream.range(0, workers).boxed().toList(), workers);
            JavaFutureAction<List<ModelState>> job = new JavaRDD<>(tasks.rdd().barrier().mapPartitions(task, false,
                    tag), tag).collectAsync();
            long last = System.nanoTime();
            setup = 0;
            for (int r = -WARM_UP; r < repeats; r++) {
                List<byte[]> reports = coordinator.nextStep(job, TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS))
                        .orElseThrow(() -> new IllegalStateException("the ring workers ended early"));
                long now = System.nanoTime();
                if (r == -WARM_UP) { // the first round also starts the stage and joins the ring
                    setup = (now - start) / 1e9;
                } else if (r >= 0) {
                    driverSeconds[r] = (now - last) / 1e9;
                    ringSeconds[r] = reports.stream().mapToDouble(b -> java.nio.ByteBuffer.wrap(b).getDouble()).max()
                            .orElseThrow();
                }
                last = now;
            }
            job.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            handover = (System.nanoTime() - last) / 1e9;
        } catch (Exception e) { // Spark's are checked and undeclared
            throw new IllegalStateException("bench rounds --engine allreduce failed: " + e, e);
        } finally {
            shared.destroy();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("engine", "allreduce");
        m.put("workers", workers);
        m.put("state_mb", stateMb);
        m.put("repeats", repeats);
        m.put("setup_seconds", setup);
        m.put("handover_seconds", handover);
        m.put("round_seconds", Stats.median(driverSeconds));
        // once per segment: starting the stage, broadcasting the state, joining the ring, the state back
        m.put("segment_seconds", setup - Stats.median(driverSeconds) + handover);
        m.put("worker_averaging_seconds", Stats.median(ringSeconds));
        out.printf(Locale.ROOT, "rounds (allreduce): %d workers, %.1f MB state: a round %.3f s at the driver, "
                        + "%.3f s averaging on the slowest worker (medians of %d); once per segment: stage start, "
                        + "broadcast and ring join %.2f s, the state back to the driver %.2f s%n",
                workers, stateMb, Stats.median(driverSeconds), Stats.median(ringSeconds), repeats,
                setup - Stats.median(driverSeconds), handover);
        try {
            new ObjectMapper().writeValue(outFile, m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return m;
    }

    /**
     * A barrier task: joins the ring, averages the unchanged state {@code rounds} times, reporting
     * each, and hands the state to the driver from partition 0, as a segment of training does.
     */
    static final class Rounds extends AbstractFunction1<scala.collection.Iterator<Integer>,
            scala.collection.Iterator<ModelState>> implements Serializable {
        private final Broadcast<ModelState> state;
        private final Coordinator.Contact coordinator;
        private final int rounds;

        Rounds(Broadcast<ModelState> state, Coordinator.Contact coordinator, int rounds) {
            this.state = state;
            this.coordinator = coordinator;
            this.rounds = rounds;
        }

        @Override
        public scala.collection.Iterator<ModelState> apply(scala.collection.Iterator<Integer> partition) {
            var task = BarrierTaskContext.get();
            try (var driver = DriverLink.connect(coordinator, task.stageAttemptNumber(), task.partitionId(),
                    TIMEOUT_SECONDS);
                 var averaging = RingAveraging.join(driver.trackerArgs(), String.valueOf(task.partitionId()),
                         TIMEOUT_SECONDS, true)) {
                ModelState start = state.value();
                ModelState averaged = start;
                for (int r = 0; r < rounds; r++) {
                    long t0 = System.nanoTime();
                    averaged = averaging.average(start, RoundCostBench.echo(start), false, 1, r, List.of()).state();
                    driver.report(r, java.nio.ByteBuffer.allocate(8).putDouble((System.nanoTime() - t0) / 1e9).array());
                }
                List<ModelState> result = task.partitionId() == 0 ? List.of(averaged) : List.of();
                return scala.collection.JavaConverters.asScalaIterator(result.iterator());
            }
        }
    }
}
