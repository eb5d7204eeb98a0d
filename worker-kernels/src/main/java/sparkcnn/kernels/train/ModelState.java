package sparkcnn.kernels.train;

import java.io.Serializable;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Everything a worker needs to continue training where the last round left off: the network's
 * configuration, its flat parameters and updater state (momentum, Adam moments), the counters that
 * Adam's bias correction reads, and the learning rate of this round.
 */
public record ModelState(String configJson, float[] params, float[] updaterState, int iteration, int epoch,
                         double learningRate) implements Serializable {

    /** The state of a live network. */
    public static ModelState of(ComputationGraph graph) {
        var conf = graph.getConfiguration();
        return new ModelState(conf.toJson(), graph.params().toFloatVector(),
                WorkerNets.updaterState(graph), conf.getIterationCount(), conf.getEpochCount(), configuredRate(graph));
    }

    /** The learning rate the network was configured with (that of its first trainable layer). */
    static double configuredRate(ComputationGraph graph) {
        for (var layer : graph.getLayers()) {
            if (layer.conf().getLayer() instanceof BaseLayer base && base.getIUpdater().hasLearningRate()) {
                return base.getIUpdater().getLearningRate(0, 0);
            }
        }
        return 0;
    }

    public ModelState withWeights(float[] newParams, float[] newUpdaterState, int newIteration) {
        return new ModelState(configJson, newParams, newUpdaterState, newIteration, epoch, learningRate);
    }

    public ModelState withEpoch(int newEpoch) {
        return new ModelState(configJson, params, updaterState, iteration, newEpoch, learningRate);
    }

    public ModelState withLearningRate(double rate) {
        return new ModelState(configJson, params, updaterState, iteration, epoch, rate);
    }
}
