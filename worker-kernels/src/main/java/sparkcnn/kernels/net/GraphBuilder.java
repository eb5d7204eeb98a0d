package sparkcnn.kernels.net;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import sparkcnn.kernels.arch.Architecture;
import sparkcnn.kernels.arch.BatchNormSpec;
import sparkcnn.kernels.arch.ConvSpec;
import sparkcnn.kernels.arch.DenseBlockSpec;
import sparkcnn.kernels.arch.FcSpec;
import sparkcnn.kernels.arch.Geometry;
import sparkcnn.kernels.arch.LayerSpec;
import sparkcnn.kernels.arch.PoolSpec;
import sparkcnn.kernels.arch.ReluSpec;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.layers.Convolution;
import sparkcnn.kernels.optim.Optimizer;

/**
 * Turns an architecture into a DL4J computation graph whose vertices carry the architecture's
 * names. The geometry is checked first, so an impossible layer fails here with its name, not deep
 * in DL4J. The {@link LayerSet} is chosen once per network. A ReLU that is the only reader of a
 * CONV or FC (or, where the set fuses them, a batch norm) becomes that layer's activation: one
 * vertex, no extra copy.
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
        return build(net, optimizer, seed, dataType, LayerOptions.DEFAULT);
    }

    public static ComputationGraphConfiguration build(Architecture net, Optimizer optimizer, long seed,
                                                      LayerOptions options) {
        return build(net, optimizer, seed, DataType.FLOAT, options);
    }

    public static ComputationGraphConfiguration build(Architecture net, Optimizer optimizer, long seed,
                                                      DataType dataType, LayerOptions options) {
        Geometry.shapes(net);
        LayerSet layers = LayerSet.forNetwork(dataType, options);
        var graph = emptyGraph(net.input(), optimizer, seed, dataType);
        // name in the architecture -> DL4J vertex that produces it (a fused ReLU maps to its layer)
        Map<String, String> producer = new HashMap<>();
        producer.put(Architecture.INPUT, Architecture.INPUT);
        for (Architecture.Node node : net.nodes()) {
            if (producer.containsKey(node.name())) {
                continue; // a member of a dense block added as one layer
            }
            if (addDenseBlock(graph, net, node, layers, producer)) {
                continue;
            }
            String[] inputs = node.inputs().stream().map(producer::get).toArray(String[]::new);
            if (node.layer() instanceof ReluSpec && isFusedRelu(net, node, layers)) {
                producer.put(node.name(), inputs[0]);
                continue;
            }
            Activation activation = fusesRelu(net, node, layers) ? Activation.RELU : Activation.IDENTITY;
            Architecture.Node pool = poolBefore(net, node, layers, activation);
            if (pool != null) {
                addPoolFirst(graph, layers, node, pool, inputs, producer);
                continue;
            }
            boolean readsImages = node.inputs().equals(List.of(Architecture.INPUT));
            node.layer().accept(new Vertices(layers, activation, readsImages, false)).add(graph, node.name(), inputs);
            if (layers.atInput() != null && node.inputs().contains(Architecture.INPUT)) {
                graph.inputPreProcessor(node.name(), layers.atInput()); // later layers take its layout from it
            }
            producer.put(node.name(), node.name());
        }
        return optimizer.configure(graph.setOutputs(net.output().name()).build());
    }

    /** A graph of nothing but its input, with the network-wide settings. */
    private static ComputationGraphConfiguration.GraphBuilder emptyGraph(Volume input, Optimizer optimizer, long seed,
                                                                         DataType dataType) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(dataType)
                .updater(optimizer.toUpdater())
                .weightInit(WeightInit.RELU)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder()
                .addInputs(Architecture.INPUT)
                .setInputTypes(InputType.convolutional(input.height(), input.width(), input.depth()));
    }

    /**
     * Adds the dense block that {@code node} starts as one layer, named as the block, where the set
     * builds blocks; every member then maps to it (only its last concatenation is read from outside).
     */
    private static boolean addDenseBlock(ComputationGraphConfiguration.GraphBuilder graph, Architecture net,
                                         Architecture.Node node, LayerSet layers, Map<String, String> producer) {
        for (DenseBlockSpec block : net.denseBlocks()) {
            if (!block.members().get(0).equals(node.name())) {
                continue;
            }
            var layer = layers.denseBlock(block);
            if (layer == null) {
                return false;
            }
            graph.addLayer(block.name(), layer, producer.get(block.input()));
            block.members().forEach(member -> producer.put(member, block.name()));
            return true;
        }
        return false;
    }

    /**
     * A 1x1 convolution and the average pool that reads it, pool first: the pool, under its own name,
     * reads the convolution's input; the convolution reads the pool; the pool's readers read the convolution.
     */
    private static void addPoolFirst(ComputationGraphConfiguration.GraphBuilder graph, LayerSet layers,
                                     Architecture.Node conv, Architecture.Node pool, String[] inputs,
                                     Map<String, String> producer) {
        pool.layer().accept(new Vertices(layers, Activation.IDENTITY, false, false)).add(graph, pool.name(), inputs);
        if (layers.atInput() != null && conv.inputs().contains(Architecture.INPUT)) {
            graph.inputPreProcessor(pool.name(), layers.atInput());
        }
        conv.layer().accept(new Vertices(layers, Activation.IDENTITY, false, true)).add(graph, conv.name(),
                new String[] {pool.name()});
        producer.put(conv.name(), conv.name());
        producer.put(pool.name(), conv.name());
    }

    /**
     * The average pool that is the only reader of {@code node}, where node is a 1x1 convolution at stride
     * 1 without padding, bias or activation (a DenseNet transition's): pool and convolution commute, so
     * the graph pools first and convolves a quarter of the positions. Only with this module's layers,
     * whose convolution records it ({@link Convolution#isPoolFirst}); null elsewhere.
     */
    private static Architecture.Node poolBefore(Architecture net, Architecture.Node node, LayerSet layers,
                                                Activation activation) {
        if (!(node.layer() instanceof ConvSpec c) || c.size() != 1 || c.stride() != 1 || c.padding() != 0 || c.bias()
                || activation != Activation.IDENTITY || !layers.channelsLast() || !layers.options().poolFirst()) {
            return null;
        }
        List<Architecture.Node> readers = net.consumers(node.name());
        return readers.size() == 1 && readers.get(0).layer() instanceof PoolSpec p && p.kind() == PoolSpec.Kind.AVG
                ? readers.get(0) : null;
    }

    /** Whether a network of {@code dataType} built here with {@code options} computes channels-last (NHWC activations). */
    public static boolean channelsLast(DataType dataType, LayerOptions options) {
        return LayerSet.forNetwork(dataType, options).channelsLast();
    }

    /** A CONV or FC whose only reader is a ReLU takes that ReLU as its activation; so may a batch norm. */
    private static boolean fusesRelu(Architecture net, Architecture.Node node, LayerSet layers) {
        boolean fuses = node.layer() instanceof ConvSpec || node.layer() instanceof FcSpec
                || node.layer() instanceof BatchNormSpec && layers.fusesBatchNormRelu();
        if (!fuses) {
            return false;
        }
        List<Architecture.Node> readers = net.consumers(node.name());
        return readers.size() == 1 && readers.get(0).layer() instanceof ReluSpec;
    }

    private static boolean isFusedRelu(Architecture net, Architecture.Node relu, LayerSet layers) {
        if (relu.inputs().size() != 1 || relu.inputs().get(0).equals(Architecture.INPUT)) {
            return false;
        }
        Architecture.Node source = net.nodes().stream()
                .filter(n -> n.name().equals(relu.inputs().get(0))).findFirst().orElseThrow();
        return fusesRelu(net, source, layers);
    }
}
