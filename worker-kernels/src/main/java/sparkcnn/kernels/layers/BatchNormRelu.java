package sparkcnn.kernels.layers;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DenseNet's composite BN-ReLU as one layer: DL4J's batch normalisation (same parameters, gamma,
 * beta and the running mean and log10 standard deviation, same updaters, same distributed-safe
 * running averages) computed by {@link ChannelsLastBatchNormReluKernel}, with the ReLU fused in when
 * {@code relu} is set. A drop-in for {@code BatchNormalization} followed by a ReLU
 * {@code ActivationLayer}: the parameters line up one for one, so model files, transfer learning
 * and parameter averaging see the same network.
 */
public class BatchNormRelu extends BatchNorm {
    private boolean relu = true;

    /** DL4J's defaults (decay 0.9, eps 1e-5, log10 std); for JSON. */
    public BatchNormRelu() {
    }

    public BatchNormRelu(boolean relu) {
        this.relu = relu;
    }

    public boolean isRelu() {
        return relu;
    }

    public void setRelu(boolean relu) {
        this.relu = relu;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        return OwnLayers.wire(new BatchNormReluLayer(conf, networkDataType), initializer(), conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }

    @Override
    public BatchNormRelu clone() {
        return (BatchNormRelu) super.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BatchNormRelu other && other.relu == relu && super.equals(o);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Boolean.hashCode(relu);
    }
}
