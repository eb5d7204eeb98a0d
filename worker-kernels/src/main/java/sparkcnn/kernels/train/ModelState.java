package sparkcnn.kernels.train;

import java.io.Serializable;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Everything a worker needs to continue training where the last round left off: the network's
 * configuration, its flat parameters and updater state (momentum, Adam moments), and the counters
 * that schedules and Adam's bias correction read.
 */
public record ModelState(String configJson, float[] params, float[] updaterState, int iteration, int epoch)
        implements Serializable {

    /** The state of a live network. */
    public static ModelState of(ComputationGraph graph) {
        var conf = graph.getConfiguration();
        return new ModelState(conf.toJson(), graph.params().toFloatVector(),
                WorkerNets.updaterState(graph), conf.getIterationCount(), conf.getEpochCount());
    }

    public ModelState withWeights(float[] newParams, float[] newUpdaterState, int newIteration) {
        return new ModelState(configJson, newParams, newUpdaterState, newIteration, epoch);
    }

    public ModelState withEpoch(int newEpoch) {
        return new ModelState(configJson, params, updaterState, iteration, newEpoch);
    }
}
