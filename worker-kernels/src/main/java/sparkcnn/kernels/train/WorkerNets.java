package sparkcnn.kernels.train;

import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import sparkcnn.kernels.optim.Optimizer;

/**
 * Networks kept alive between rounds in a worker JVM, one per concurrently running task, so a round
 * costs a parameter copy rather than building and initialising a network.
 */
public final class WorkerNets {
    private static final Map<String, Queue<ComputationGraph>> IDLE = new ConcurrentHashMap<>();

    private WorkerNets() {
    }

    /** A network for {@code state}'s configuration holding exactly {@code state}'s weights and counters. */
    public static ComputationGraph borrow(ModelState state) {
        ComputationGraph graph = IDLE.computeIfAbsent(state.configJson(), k -> new ConcurrentLinkedQueue<>()).poll();
        if (graph == null) {
            graph = new ComputationGraph(ComputationGraphConfiguration.fromJson(state.configJson()));
            graph.init();
        }
        load(graph, state);
        return graph;
    }

    public static void release(ModelState state, ComputationGraph graph) {
        IDLE.computeIfAbsent(state.configJson(), k -> new ConcurrentLinkedQueue<>()).add(graph);
    }

    public static void load(ComputationGraph graph, ModelState state) {
        Optimizer.setRate(graph, state.learningRate());
        graph.setParams(Nd4j.createFromArray(state.params()));
        INDArray view = graph.getUpdater(true).getStateViewArray();
        if (view != null && state.updaterState().length > 0) {
            view.assign(Nd4j.createFromArray(state.updaterState()).reshape(view.shape()));
        }
        graph.getConfiguration().setIterationCount(state.iteration());
        graph.getConfiguration().setEpochCount(state.epoch());
    }

    public static float[] updaterState(ComputationGraph graph) {
        INDArray view = graph.getUpdater(true).getStateViewArray();
        return view == null ? new float[0] : view.toFloatVector();
    }
}
