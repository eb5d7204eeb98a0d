package sparkcnn.kernels.net;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import sparkcnn.kernels.arch.DenseBlockSpec;
import sparkcnn.kernels.layers.BatchNorm;

/**
 * DL4J's layers, NCHW: cuDNN's helpers on the CUDA backend, oneDNN's on the CPU; and every double
 * network (the gradient checks). DL4J's batch norm ignores its activation, so a ReLU after it stays
 * a vertex of its own.
 */
final class Dl4jLayers implements LayerSet {
    @Override
    public boolean channelsLast() {
        return false;
    }

    @Override
    public boolean fusesBatchNormRelu() {
        return false;
    }

    @Override
    public ConvolutionLayer.Builder convolution(int size) {
        return new ConvolutionLayer.Builder(size, size);
    }

    @Override
    public Layer batchNorm(boolean relu) {
        return new BatchNorm();
    }

    @Override
    public GraphVertex concat() {
        return new MergeVertex();
    }

    @Override
    public InputPreProcessor atInput() {
        return null;
    }

    @Override
    public Layer denseBlock(DenseBlockSpec block) {
        return null;
    }
}
