package sparkcnn.kernels.net;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import sparkcnn.kernels.arch.DenseBlockSpec;
import sparkcnn.kernels.layers.BatchNormRelu;
import sparkcnn.kernels.layers.ChannelConcat;
import sparkcnn.kernels.layers.ChannelsLast;
import sparkcnn.kernels.layers.Convolution;

/**
 * This module's layers on ND4J's CPU backend: the NCHW images become NHWC once, at the input, and
 * every later layer computes channels-last, where oneDNN's convolutions run without reordering;
 * DenseNet's BN-ReLU is one layer; a dense block is one layer ({@link DenseBlocks}); elsewhere the
 * concatenation's backward splits NHWC gradients in blocks.
 */
final class ChannelsLastLayers implements LayerSet {
    private final LayerOptions options;

    ChannelsLastLayers(LayerOptions options) {
        this.options = options;
    }

    @Override
    public LayerOptions options() {
        return options;
    }
    @Override
    public boolean channelsLast() {
        return true;
    }

    @Override
    public boolean fusesBatchNormRelu() {
        return true;
    }

    @Override
    public ConvolutionLayer.Builder convolution(int size) {
        return new Convolution.Builder(size, size).splitBatch(options.splitBatch());
    }

    @Override
    public Layer batchNorm(boolean relu) {
        return new BatchNormRelu(relu);
    }

    @Override
    public GraphVertex concat() {
        return new ChannelConcat();
    }

    @Override
    public InputPreProcessor atInput() {
        return new ChannelsLast();
    }

    @Override
    public Layer denseBlock(DenseBlockSpec block) {
        return options.denseBlocks() ? DenseBlocks.layer(block, options) : null;
    }
}
