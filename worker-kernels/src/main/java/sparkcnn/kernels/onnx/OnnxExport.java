package sparkcnn.kernels.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.layers.ChannelsLast;

/**
 * A trained network as an ONNX model that takes what a user has: images as float32 pixels scaled to
 * [0, 1], NCHW ({@value #INPUT}, any batch size), normalised inside the graph with the run's
 * per-channel mean and standard deviation, and gives the class probabilities ({@value #OUTPUT}).
 * Every vertex of the DL4J graph becomes its ONNX operators (opset {@value #OPSET}) in the order the
 * graph computes them, its weights the operators' initializers; the graph is NCHW throughout,
 * whichever layout the network computed in, and batch norms are in their inference form with the
 * running statistics. A vertex with no ONNX form is refused, by name, before anything is built.
 */
public final class OnnxExport {
    /** ONNX's operator set the model is written against (ONNX Runtime >= 1.6, PyTorch, TensorRT read it). */
    public static final int OPSET = 13;
    /** The IR version that opset 13 came with. */
    public static final int IR_VERSION = 7;
    public static final String INPUT = "pixels";
    public static final String OUTPUT = "probabilities";
    public static final String PRODUCER = "sparkcnn";

    private OnnxExport() {
    }

    /**
     * The ONNX model of {@code graph}, which takes images of {@code input} normalised as {@code (x - mean[c]) /
     * std[c]}, with {@code metadata} (class names, the run it came from) as its metadata properties.
     *
     * @throws NoOnnxFormException naming the first vertex that ONNX cannot express
     */
    public static ModelProto export(ComputationGraph graph, Volume input, float[] mean, float[] std,
                                    Map<String, String> metadata) {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1) {
            throw new NoOnnxFormException(String.join(", ", conf.getNetworkInputs()), "a network of "
                    + conf.getNetworkInputs().size() + " inputs and " + conf.getNetworkOutputs().size() + " outputs");
        }
        if (mean.length != input.depth() || std.length != input.depth()) {
            throw new IllegalArgumentException("the normalisation has " + mean.length + " channels, the network's input "
                    + input.depth());
        }
        var onnx = new OnnxGraph(PRODUCER);
        onnx.input(INPUT, -1, input.depth(), input.height(), input.width());
        var layers = new LayerExport(onnx, graph);
        Map<String, String> values = new HashMap<>();
        values.put(conf.getNetworkInputs().get(0), normalised(onnx, mean, std));
        for (String name : conf.getTopologicalOrderStr()) {
            GraphVertex vertex = conf.getVertices().get(name);
            if (vertex == null) {
                continue; // the network's input
            }
            List<String> inputs = conf.getVertexInputs().get(name).stream().map(values::get).toList();
            values.put(name, vertex(onnx, layers, name, vertex, inputs));
        }
        String output = conf.getNetworkOutputs().get(0);
        onnx.output(values.get(output), OUTPUT, -1, classes(graph, output));
        var model = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName(PRODUCER)
                .setProducerVersion(version())
                .setModelVersion(1)
                .setDocString("Input '" + INPUT + "': float32 [batch, " + input.depth() + ", " + input.height()
                        + ", " + input.width() + "], NCHW, RGB channel order where there are 3, pixels scaled to [0, 1] "
                        + "(the normalisation is in the graph). Output '" + OUTPUT + "': float32 [batch, classes], softmax.")
                .setGraph(onnx.build());
        metadata.forEach((k, v) -> model.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return model.build();
    }

    private static String vertex(OnnxGraph onnx, LayerExport layers, String name, GraphVertex vertex, List<String> inputs) {
        if (vertex instanceof LayerVertex layer) {
            String x = preprocessed(onnx, name, layer.getPreProcessor(), inputs.get(0));
            return layers.layer(name, layer.getLayerConf().getLayer(), x);
        }
        if (vertex instanceof MergeVertex) { // and this module's ChannelConcat: channels are axis 1 in NCHW
            return onnx.node("Concat", name, inputs, OnnxGraph.Attribute.of("axis", 1L));
        }
        throw new NoOnnxFormException(name, vertex.getClass().getSimpleName());
    }

    /**
     * What a layer's input preprocessor does, in NCHW: the move to channels-last at the input is only
     * the layout, nothing in ONNX; flattening maps for a fully connected layer takes them in the order
     * the network flattened them in (channels last where it computed channels last).
     */
    private static String preprocessed(OnnxGraph onnx, String name, InputPreProcessor pre, String x) {
        if (pre == null || pre instanceof ChannelsLast) {
            return x;
        }
        if (pre instanceof CnnToFeedForwardPreProcessor flatten) {
            if (flatten.getFormat() == org.deeplearning4j.nn.conf.CNN2DFormat.NHWC) {
                x = onnx.node("Transpose", name + "_nhwc", List.of(x), OnnxGraph.Attribute.ints("perm", 0, 2, 3, 1));
            }
            return onnx.node("Flatten", name + "_flatten", List.of(x), OnnxGraph.Attribute.of("axis", 1L));
        }
        throw new NoOnnxFormException(name, "input preprocessor " + pre.getClass().getSimpleName());
    }

    /** Pixels in [0, 1] to what the network saw in training: {@code (x - mean) / std} per channel. */
    private static String normalised(OnnxGraph onnx, float[] mean, float[] std) {
        boolean identity = true;
        for (int c = 0; c < mean.length; c++) {
            identity &= mean[c] == 0 && std[c] == 1;
        }
        if (identity) {
            return INPUT;
        }
        long[] perChannel = {1, mean.length, 1, 1};
        String centred = onnx.node("Sub", "normalise_mean", List.of(INPUT, onnx.initializer("mean", perChannel, mean)));
        return onnx.node("Div", "normalise_std", List.of(centred, onnx.initializer("std", perChannel, std)));
    }

    private static long classes(ComputationGraph graph, String output) {
        long[] shape = graph.getLayer(output).getParam("W").shape();
        return shape[shape.length - 1];
    }

    private static String version() {
        String version = OnnxExport.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
