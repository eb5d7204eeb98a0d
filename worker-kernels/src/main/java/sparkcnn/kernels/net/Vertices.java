package sparkcnn.kernels.net;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import sparkcnn.kernels.arch.BatchNormSpec;
import sparkcnn.kernels.arch.ConcatSpec;
import sparkcnn.kernels.arch.ConvSpec;
import sparkcnn.kernels.arch.DropoutSpec;
import sparkcnn.kernels.arch.FcSpec;
import sparkcnn.kernels.arch.GlobalAvgPoolSpec;
import sparkcnn.kernels.arch.LayerSpec;
import sparkcnn.kernels.arch.PoolSpec;
import sparkcnn.kernels.arch.ReluSpec;
import sparkcnn.kernels.arch.Rounding;
import sparkcnn.kernels.arch.SoftmaxOutputSpec;
import sparkcnn.kernels.layers.Convolution;

/**
 * The DL4J form of each layer spec, from one {@link LayerSet}; {@code activation} is a ReLU fused
 * into a CONV, FC or (where the set fuses it) a batch norm.
 */
final class Vertices implements LayerSpec.Visitor<Vertices.Vertex> {
    /** How one node joins the DL4J graph: as a layer, or (a concatenation) as a vertex. */
    @FunctionalInterface
    interface Vertex {
        void add(ComputationGraphConfiguration.GraphBuilder graph, String name, String[] inputs);

        static Vertex layer(Layer layer) {
            return (graph, name, inputs) -> graph.addLayer(name, layer, inputs);
        }
    }

    private final LayerSet layers;
    private final Activation activation;
    /** Whether the node reads the network's images, whose gradient no one reads. */
    private final boolean readsImages;
    /** Whether a 1x1 convolution reads the maps its average pool made first ({@link Convolution#isPoolFirst}). */
    private final boolean poolFirst;

    Vertices(LayerSet layers, Activation activation, boolean readsImages, boolean poolFirst) {
        this.layers = layers;
        this.activation = activation;
        this.readsImages = readsImages;
        this.poolFirst = poolFirst;
    }

    private static ConvolutionMode mode(Rounding rounding) {
        return rounding == Rounding.FLOOR ? ConvolutionMode.Truncate : ConvolutionMode.Strict;
    }

    @Override
    public Vertex conv(ConvSpec c) {
        ConvolutionLayer conv = layers.convolution(c.size())
                .stride(c.stride(), c.stride())
                .padding(c.padding(), c.padding())
                .convolutionMode(mode(c.rounding()))
                .nOut(c.filters())
                .hasBias(c.bias())
                .activation(activation)
                .build();
        if (conv instanceof Convolution own && readsImages) {
            own.withoutInputGradient();
        }
        if (conv instanceof Convolution own && poolFirst) {
            own.withPoolFirst();
        }
        return Vertex.layer(conv);
    }

    @Override
    public Vertex pool(PoolSpec p) {
        return Vertex.layer(new SubsamplingLayer.Builder(p.kind() == PoolSpec.Kind.MAX ? PoolingType.MAX : PoolingType.AVG)
                .kernelSize(p.size(), p.size())
                .stride(p.stride(), p.stride())
                .padding(p.padding(), p.padding())
                .convolutionMode(mode(p.rounding()))
                .build());
    }

    @Override
    public Vertex relu(ReluSpec relu) {
        return Vertex.layer(new ActivationLayer.Builder().activation(Activation.RELU).build());
    }

    @Override
    public Vertex batchNorm(BatchNormSpec batchNorm) {
        return Vertex.layer(layers.batchNorm(activation == Activation.RELU));
    }

    @Override
    public Vertex dropout(DropoutSpec d) {
        return Vertex.layer(new DropoutLayer.Builder(1 - d.rate()).build()); // DL4J: probability of keeping
    }

    @Override
    public Vertex globalAvgPool(GlobalAvgPoolSpec globalAvgPool) {
        return Vertex.layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build());
    }

    @Override
    public Vertex concat(ConcatSpec concat) {
        return (graph, name, inputs) -> graph.addVertex(name, layers.concat(), inputs);
    }

    @Override
    public Vertex fc(FcSpec f) {
        return Vertex.layer(new DenseLayer.Builder().nOut(f.units()).activation(activation).build());
    }

    @Override
    public Vertex softmaxOutput(SoftmaxOutputSpec s) {
        return Vertex.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nOut(s.classes())
                .activation(Activation.SOFTMAX)
                .weightInit(WeightInit.XAVIER)
                .build());
    }
}
