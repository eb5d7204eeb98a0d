package sparkcnn.jobs.bench;

import sparkcnn.jobs.report.Stats;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import sparkcnn.kernels.arch.DenseNet;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.net.GraphBuilder;
import sparkcnn.kernels.train.ModelState;
import sparkcnn.kernels.train.RoundResult;

/**
 * {@code bench rounds}: what an averaging round costs on the cluster it is submitted to, apart from
 * fitting: DenseNet-121's state (parameters and Nesterov momentum, about 64 MB) broadcast to one task
 * per worker, and the workers' sums tree-reduced to the driver and averaged there, exactly as
 * {@code DriverEngine} does. Three jobs per repeat, so the parts can be told apart: an empty job
 * (scheduling), one that only reads the broadcast, one that also sends the sums back.
 */
public final class RoundCostBench {
    private RoundCostBench() {
    }

    public static Map<String, Object> run(JavaSparkContext sc, int workers, int depth, int repeats, File outFile,
                                          PrintStream out) {
        awaitExecutors(sc, workers);
        ModelState state = denseNet121State();
        double stateMb = 4.0 * (state.params().length + state.updaterState().length) / (1 << 20);
        JavaRDD<Integer> tasks = sc.parallelize(IntStream.range(0, workers).boxed().toList(), workers);
        double[] empty = new double[repeats];
        double[] broadcast = new double[repeats];
        double[] round = new double[repeats];
        for (int r = -1; r < repeats; r++) { // repeat -1 warms up executors and class loading
            double[] seconds = timeRound(sc, tasks, state, depth);
            if (r >= 0) {
                empty[r] = seconds[0];
                broadcast[r] = seconds[1];
                round[r] = seconds[2];
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workers", workers);
        m.put("aggregation_depth", depth);
        m.put("state_mb", stateMb);
        m.put("repeats", repeats);
        m.put("empty_job_seconds", Stats.median(empty));
        m.put("broadcast_job_seconds", Stats.median(broadcast));
        m.put("round_job_seconds", Stats.median(round));
        // the parts: scheduling, the broadcast over it, the reduce and average over that
        m.put("broadcast_seconds", Stats.median(broadcast) - Stats.median(empty));
        m.put("reduce_seconds", Stats.median(round) - Stats.median(broadcast));
        out.printf(Locale.ROOT, "rounds: %d workers, %.1f MB state: empty job %.3f s, broadcast %.3f s, "
                        + "broadcast + reduce + average %.3f s (medians of %d)%n", workers, stateMb, Stats.median(empty),
                Stats.median(broadcast), Stats.median(round), repeats);
        try {
            new ObjectMapper().writeValue(outFile, m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return m;
    }

    /** Seconds of an empty job, of one reading the broadcast state, of one also tree-reducing it back. */
    private static double[] timeRound(JavaSparkContext sc, JavaRDD<Integer> tasks, ModelState state, int depth) {
        long t0 = System.nanoTime();
        tasks.map(i -> i).count();
        long t1 = System.nanoTime();
        Broadcast<ModelState> shared = sc.broadcast(state);
        tasks.map(i -> shared.value().params().length).reduce(Integer::sum);
        shared.destroy();
        long t2 = System.nanoTime();
        Broadcast<ModelState> again = sc.broadcast(state);
        RoundResult sum = tasks.map(i -> echo(again.value())).treeReduce(RoundResult::plus, depth);
        sum.averageParams();
        sum.averageUpdaterState();
        again.destroy();
        long t3 = System.nanoTime();
        return new double[] {(t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9};
    }

    /** A worker's result for a state it did not change: the sums that travel back in a real round. */
    static RoundResult echo(ModelState state) {
        return new RoundResult(state.params().clone(), state.updaterState().clone(), 1, 0, 1, 1, 0);
    }

    static ModelState denseNet121State() {
        var net = DenseNet.imagenet(121, new Volume(224, 224, 3), 1000);
        ComputationGraph graph = new ComputationGraph(GraphBuilder.build(net.architecture(), sparkcnn.kernels.optim.Optimizer.constant("nesterovs", 0.01, 0.9, 0), 1));
        graph.init();
        return ModelState.of(graph);
    }

    /** Waits until {@code workers} executors have registered, so each task of a job gets its own. */
    static void awaitExecutors(JavaSparkContext sc, int workers) {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (sc.sc().getExecutorMemoryStatus().size() < workers + 1 && !sc.isLocal()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("fewer than " + workers + " executors registered within 120 s");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
