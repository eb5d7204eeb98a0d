package sparkcnn.kernels.net;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import sparkcnn.kernels.layers.BatchNormRelu;
import sparkcnn.kernels.layers.ChannelConcat;
import sparkcnn.kernels.layers.ChannelsLast;
import sparkcnn.kernels.layers.Convolution;
import sparkcnn.kernels.layers.OwnLayers;
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
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import sparkcnn.kernels.arch.Architecture;
import sparkcnn.kernels.arch.BatchNormSpec;
import sparkcnn.kernels.arch.ConcatSpec;
import sparkcnn.kernels.arch.ConvSpec;
import sparkcnn.kernels.arch.DropoutSpec;
import sparkcnn.kernels.arch.FcSpec;
import sparkcnn.kernels.arch.Geometry;
import sparkcnn.kernels.arch.GlobalAvgPoolSpec;
import sparkcnn.kernels.arch.LayerSpec;
import sparkcnn.kernels.arch.PoolSpec;
import sparkcnn.kernels.arch.ReluSpec;
import sparkcnn.kernels.arch.Rounding;
import sparkcnn.kernels.arch.SoftmaxOutputSpec;
import sparkcnn.kernels.arch.Volume;

/**
 * Turns an architecture into a DL4J computation graph whose vertices carry the architecture's
 * names. The geometry is checked first, so an impossible layer fails here with its name, not deep
 * in DL4J. A ReLU that is the only reader of a CONV or FC becomes that layer's activation (one
 * vertex, no extra copy); batch norm gets its ReLU as a separate vertex, since DL4J's batch norm
 * ignores its activation. With this module's own layers (CPU backend) the network computes
 * channels-last: the NCHW images become NHWC once, at the input, where oneDNN's convolutions run
 * without reordering (bench/results/conv-layouts.md).
 */
public final class GraphBuilder {
    private GraphBuilder() {
    }

    public static ComputationGraphConfiguration build(Architecture net, Optimizer optimizer, long seed) {
        return build(net, optimizer, seed, DataType.FLOAT);
    }

    /** For a chain of layers (the pattern nets). */
    public static ComputationGraphConfiguration build(Volume input, List<LayerSpec> layers, Optimizer optimizer,
                                                      long seed) {
        return build(Architecture.chain("net", input, layers), optimizer, seed);
    }

    public static ComputationGraphConfiguration build(Architecture net, Optimizer optimizer, long seed,
                                                      DataType dataType) {
        Geometry.shapes(net);
        Volume input = net.input();
        var graph = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(dataType)
                .updater(optimizer.toUpdater())
                .weightDecay(optimizer.weightDecay())
                .weightInit(WeightInit.RELU)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder()
                .addInputs(Architecture.INPUT)
                .setInputTypes(InputType.convolutional(input.height(), input.width(), input.depth()));
        // name in the architecture -> DL4J vertex that produces it (a fused ReLU maps to its layer)
        boolean own = channelsLast(dataType); // this module's own layers, which compute NHWC
        Map<String, String> producer = new HashMap<>();
        producer.put(Architecture.INPUT, Architecture.INPUT);
        for (Architecture.Node node : net.nodes()) {
            LayerSpec spec = node.layer();
            String[] inputs = node.inputs().stream().map(producer::get).toArray(String[]::new);
            if (spec instanceof ReluSpec && isFusedRelu(net, node, own)) {
                producer.put(node.name(), inputs[0]);
                continue;
            }
            toVertex(spec, fusesRelu(net, node, own) ? Activation.RELU : Activation.IDENTITY, own)
                    .add(graph, node.name(), inputs);
            if (own && node.inputs().contains(Architecture.INPUT)) {
                // channels-last from here on: every later layer takes its layout from its input type
                graph.inputPreProcessor(node.name(), new ChannelsLast());
            }
            producer.put(node.name(), node.name());
        }
        return graph.setOutputs(net.output().name()).build();
    }

    /** Whether a network of {@code dataType} built here computes channels-last (NHWC activations). */
    public static boolean channelsLast(DataType dataType) {
        return OwnLayers.enabledFor(dataType);
    }

    /**
     * A CONV or FC whose only reader is a ReLU takes that ReLU as its activation; so does a batch
     * norm where the own BN-ReLU layer is used.
     */
    private static boolean fusesRelu(Architecture net, Architecture.Node node, boolean own) {
        boolean fuses = node.layer() instanceof ConvSpec || node.layer() instanceof FcSpec
                || node.layer() instanceof BatchNormSpec && own;
        if (!fuses) {
            return false;
        }
        List<Architecture.Node> readers = net.consumers(node.name());
        return readers.size() == 1 && readers.get(0).layer() instanceof ReluSpec;
    }

    private static boolean isFusedRelu(Architecture net, Architecture.Node relu, boolean own) {
        if (relu.inputs().size() != 1 || relu.inputs().get(0).equals(Architecture.INPUT)) {
            return false;
        }
        Architecture.Node source = net.nodes().stream()
                .filter(n -> n.name().equals(relu.inputs().get(0))).findFirst().orElseThrow();
        return fusesRelu(net, source, own);
    }

    /** How one node joins the DL4J graph: as a layer, or (a concatenation) as a merge vertex. */
    @FunctionalInterface
    private interface Vertex {
        void add(ComputationGraphConfiguration.GraphBuilder graph, String name, String[] inputs);

        static Vertex layer(Layer layer) {
            return (graph, name, inputs) -> graph.addLayer(name, layer, inputs);
        }
    }

    /**
     * The DL4J form of one layer spec; {@code activation} is a ReLU fused into a CONV, FC or BN;
     * {@code own}: this module's layers where it has them.
     */
    private static Vertex toVertex(LayerSpec spec, Activation activation, boolean own) {
        return spec.accept(new LayerSpec.Visitor<>() {
            @Override
            public Vertex conv(ConvSpec c) {
                var builder = own ? new Convolution.Builder(c.size(), c.size())
                        : new ConvolutionLayer.Builder(c.size(), c.size());
                return Vertex.layer(builder
                        .stride(c.stride(), c.stride())
                        .padding(c.padding(), c.padding())
                        .convolutionMode(c.rounding() == Rounding.FLOOR ? ConvolutionMode.Truncate : ConvolutionMode.Strict)
                        .nOut(c.filters())
                        .hasBias(c.bias())
                        .activation(activation)
                        .build());
            }

            @Override
            public Vertex pool(PoolSpec p) {
                return Vertex.layer(new SubsamplingLayer.Builder(p.kind() == PoolSpec.Kind.MAX ? PoolingType.MAX
                        : PoolingType.AVG)
                        .kernelSize(p.size(), p.size())
                        .stride(p.stride(), p.stride())
                        .padding(p.padding(), p.padding())
                        .convolutionMode(p.rounding() == Rounding.FLOOR ? ConvolutionMode.Truncate : ConvolutionMode.Strict)
                        .build());
            }

            @Override
            public Vertex relu(ReluSpec relu) {
                return Vertex.layer(new ActivationLayer.Builder().activation(Activation.RELU).build());
            }

            @Override
            public Vertex batchNorm(BatchNormSpec batchNorm) {
                return Vertex.layer(own ? new BatchNormRelu(activation == Activation.RELU)
                        : new BatchNormalization.Builder().build());
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
                return (graph, name, inputs) -> graph.addVertex(name, own ? new ChannelConcat() : new MergeVertex(), inputs);
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
        });
    }
}
