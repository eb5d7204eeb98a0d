package sparkcnn.kernels.net;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.buffer.DataType;
import sparkcnn.kernels.arch.DenseBlockSpec;
import sparkcnn.kernels.layers.OwnLayers;

/**
 * The layers a network is built from, chosen once per network and passed down (as Keras's
 * densenet.py fixes its data format once): DL4J's own NCHW layers, which on the CUDA backend run
 * on cuDNN's helpers and on the CPU on oneDNN's; or this module's channels-last layers on the CPU
 * backend ({@link ChannelsLastLayers}), measured faster (bench/results/conv-layouts.md, train.md).
 */
public interface LayerSet {
    /** The set for a network of {@code dataType} on the ND4J backend of this JVM ({@link OwnLayers}), as {@code options} choose. */
    static LayerSet forNetwork(DataType dataType, LayerOptions options) {
        return options.ownLayers() && OwnLayers.enabledFor(dataType) ? new ChannelsLastLayers(options) : new Dl4jLayers();
    }

    /** The choices the set was made with; DL4J's layers have none of their own. */
    default LayerOptions options() {
        return LayerOptions.DEFAULT.withOwnLayers(false);
    }

    /** Whether the network computes NHWC activations (from the input on). */
    boolean channelsLast();

    /** Whether a batch norm takes the ReLU that reads it as its activation (one vertex, not two). */
    boolean fusesBatchNormRelu();

    ConvolutionLayer.Builder convolution(int size);

    /** Batch normalisation, followed by a ReLU where {@code relu} (only if {@link #fusesBatchNormRelu}). */
    Layer batchNorm(boolean relu);

    /** Concatenation along the channels. */
    GraphVertex concat();

    /** What the layers that read the input images (NCHW) put before them; null for nothing. */
    InputPreProcessor atInput();

    /** A dense block as one layer, or null where the set builds it layer by layer. */
    Layer denseBlock(DenseBlockSpec block);
}
