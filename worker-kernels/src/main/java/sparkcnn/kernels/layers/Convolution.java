package sparkcnn.kernels.layers;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's convolution, configured and stored exactly as {@link ConvolutionLayer}. Channels-last
 * (NHWC) float on the CPU backend it runs on oneDNN directly ({@link ChannelsLastConvolutionLayer}),
 * whose backward pass does not run the forward convolution again (DL4J's does, to apply the
 * activation's derivative, which doubled the forward convolution time in the profiles); anything
 * else (NCHW, a GPU, double) runs on DL4J's own layer.
 */
public class Convolution extends ConvolutionLayer {
    /**
     * Whether backward computes the gradient of the input: not where the input is the network's images,
     * whose gradient no one reads (for DenseNet-121's stem, 7x7 over 3 channels, it was 4% of a step).
     */
    private boolean inputGradient = true;
    /**
     * Whether the architecture's average pool after this 1x1 convolution runs before it in the graph:
     * the two commute (both linear, the convolution position by position, without bias), and pooled
     * first the convolution reads a quarter of the positions (DenseNet's transitions). Transfer
     * learning reads it: freezing up to the pool freezes this convolution too.
     */
    private boolean poolFirst = false;
    /** Whether oneDNN's calls split the minibatch between the worker's threads ({@link OneDnnConvolution}). */
    private boolean splitBatch = true;

    /** For JSON. */
    public Convolution() {
    }

    private Convolution(Builder builder) {
        super(builder);
        this.splitBatch = builder.splitBatch;
    }

    /** {@link ConvolutionLayer.Builder}, building a {@link Convolution}. */
    public static class Builder extends ConvolutionLayer.Builder {
        private boolean splitBatch = true;

        public Builder(int... kernelSize) {
            super(kernelSize);
        }

        public Builder splitBatch(boolean split) {
            this.splitBatch = split;
            return this;
        }

        @Override
        public Convolution build() {
            super.build(); // DL4J's validation of kernel, stride and padding
            return new Convolution(this);
        }
    }

    public boolean isInputGradient() {
        return inputGradient;
    }

    /** A convolution of the network's images leaves their gradient uncomputed. */
    public Convolution withoutInputGradient() {
        inputGradient = false;
        return this;
    }

    public boolean isSplitBatch() {
        return splitBatch;
    }

    public boolean isPoolFirst() {
        return poolFirst;
    }

    /** Marks this 1x1 convolution as reading the maps its architecture's average pool made first. */
    public Convolution withPoolFirst() {
        poolFirst = true;
        return this;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        var layer = runsOnOneDnn(networkDataType) ? new ChannelsLastConvolutionLayer(conf, networkDataType)
                : new org.deeplearning4j.nn.layers.convolution.ConvolutionLayer(conf, networkDataType);
        return OwnLayers.wire(layer, initializer(), conf, trainingListeners, layerIndex, layerParamsView, initializeParams);
    }

    /**
     * Channels-last float convolutions on the CPU backend run on oneDNN directly; the rest (NCHW, a
     * GPU, SAME padding, dilation, other activations, dropout on the input) on DL4J's layer.
     */
    boolean runsOnOneDnn(DataType networkDataType) {
        return getCnn2dDataFormat() == CNN2DFormat.NHWC && OwnLayers.enabledFor(networkDataType)
                && getConvolutionMode() != ConvolutionMode.Same && getIDropout() == null
                && java.util.Arrays.stream(getDilation()).allMatch(d -> d == 1)
                && (getActivationFn() instanceof ActivationIdentity || getActivationFn() instanceof ActivationReLU);
    }
}
