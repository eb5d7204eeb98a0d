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
 * ignores its activation.
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
        Map<String, String> producer = new HashMap<>();
        producer.put(Architecture.INPUT, Architecture.INPUT);
        for (Architecture.Node node : net.nodes()) {
            LayerSpec spec = node.layer();
            String[] inputs = node.inputs().stream().map(producer::get).toArray(String[]::new);
            if (spec instanceof ReluSpec && isFusedRelu(net, node)) {
                producer.put(node.name(), inputs[0]);
                continue;
            }
            if (spec instanceof ConcatSpec) {
                graph.addVertex(node.name(), new MergeVertex(), inputs);
            } else {
                graph.addLayer(node.name(), toLayer(spec, fusesRelu(net, node) ? Activation.RELU : Activation.IDENTITY), inputs);
            }
            producer.put(node.name(), node.name());
        }
        return graph.setOutputs(net.output().name()).build();
    }

    /** A CONV or FC whose only reader is a ReLU takes that ReLU as its activation. */
    private static boolean fusesRelu(Architecture net, Architecture.Node node) {
        if (!(node.layer() instanceof ConvSpec || node.layer() instanceof FcSpec)) {
            return false;
        }
        List<Architecture.Node> readers = net.consumers(node.name());
        return readers.size() == 1 && readers.get(0).layer() instanceof ReluSpec;
    }

    private static boolean isFusedRelu(Architecture net, Architecture.Node relu) {
        if (relu.inputs().size() != 1 || relu.inputs().get(0).equals(Architecture.INPUT)) {
            return false;
        }
        Architecture.Node source = net.nodes().stream()
                .filter(n -> n.name().equals(relu.inputs().get(0))).findFirst().orElseThrow();
        return fusesRelu(net, source);
    }

    private static Layer toLayer(LayerSpec spec, Activation activation) {
        if (spec instanceof ConvSpec c) {
            return new ConvolutionLayer.Builder(c.size(), c.size())
                    .stride(c.stride(), c.stride())
                    .padding(c.padding(), c.padding())
                    .convolutionMode(c.rounding() == Rounding.FLOOR ? ConvolutionMode.Truncate : ConvolutionMode.Strict)
                    .nOut(c.filters())
                    .hasBias(c.bias())
                    .activation(activation)
                    .build();
        }
        if (spec instanceof PoolSpec p) {
            return new SubsamplingLayer.Builder(p.kind() == PoolSpec.Kind.MAX ? PoolingType.MAX : PoolingType.AVG)
                    .kernelSize(p.size(), p.size())
                    .stride(p.stride(), p.stride())
                    .padding(p.padding(), p.padding())
                    .convolutionMode(p.rounding() == Rounding.FLOOR ? ConvolutionMode.Truncate : ConvolutionMode.Strict)
                    .build();
        }
        if (spec instanceof BatchNormSpec) {
            return new BatchNormalization.Builder().build();
        }
        if (spec instanceof DropoutSpec d) {
            return new DropoutLayer.Builder(1 - d.rate()).build(); // DL4J takes the probability of keeping
        }
        if (spec instanceof GlobalAvgPoolSpec) {
            return new GlobalPoolingLayer.Builder(PoolingType.AVG).build();
        }
        if (spec instanceof FcSpec f) {
            return new DenseLayer.Builder().nOut(f.units()).activation(activation).build();
        }
        if (spec instanceof SoftmaxOutputSpec s) {
            return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .nOut(s.classes())
                    .activation(Activation.SOFTMAX)
                    .weightInit(WeightInit.XAVIER)
                    .build();
        }
        return new ActivationLayer.Builder().activation(Activation.RELU).build();
    }
}
