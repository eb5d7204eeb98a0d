package sparkcnn.kernels.net;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import sparkcnn.kernels.arch.Architecture;
import sparkcnn.kernels.arch.DenseBlockSpec;
import sparkcnn.kernels.layers.Convolution;
import sparkcnn.kernels.layers.DenseBlock;
import sparkcnn.kernels.optim.Optimizer;

/**
 * Transfer learning: take a trained network, freeze it up to a named vertex (its weights stay as
 * trained), and give it a fresh softmax classifier for a new number of classes.
 */
public final class Transfer {
    private static final String OUTPUT = "output";

    private Transfer() {
    }

    public static ComputationGraph load(File modelZip) {
        try {
            return ModelSerializer.restoreComputationGraph(modelZip, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load model " + modelZip + ": " + e.getMessage(), e);
        }
    }

    /**
     * The vertex that the architecture's layer {@code layer} is, where it is one; a dense block's
     * last layer (its output) is the block's vertex. A layer inside a block that trains as one layer
     * cannot be the end of the frozen part: the error names the block and the layers that can.
     */
    static String vertexOf(ComputationGraph graph, String layer) {
        if (graph.getVertex(layer) != null) {
            return convolutionAfterPool(graph, layer).orElse(layer);
        }
        for (var vertex : graph.getVertices()) {
            if (vertex.hasLayer() && vertex.getLayer().conf().getLayer() instanceof DenseBlock block) {
                DenseBlockSpec spec = block.spec(vertex.getVertexName());
                if (spec.output().equals(layer)) {
                    return vertex.getVertexName();
                }
                if (spec.members().contains(layer)) {
                    throw new IllegalArgumentException("cannot freeze up to '" + layer + "': it is inside dense block '"
                            + spec.name() + "', which trains as one layer; freeze up to its last layer '" + spec.output()
                            + "' or up to a layer before the block");
                }
            }
        }
        return null;
    }

    /**
     * The 1x1 convolution that the graph runs after the average pool {@code pool} though the architecture
     * has it before ({@link Convolution#isPoolFirst}): the end of the part that "up to the pool" means.
     */
    private static Optional<String> convolutionAfterPool(ComputationGraph graph, String pool) {
        var inputs = graph.getConfiguration().getVertexInputs();
        return java.util.Arrays.stream(graph.getVertices())
                .filter(v -> v.hasLayer() && v.getLayer().conf().getLayer() instanceof Convolution c && c.isPoolFirst())
                .map(GraphVertex::getVertexName)
                .filter(name -> inputs.get(name).equals(List.of(pool)))
                .findFirst();
    }

    /**
     * @param freezeUpTo the last vertex whose weights stay fixed (it and everything before it), as
     *                   named in the architecture; null freezes nothing
     */
    public static ComputationGraph newClassifier(ComputationGraph trained, String freezeUpTo, int classes,
                                                 Optimizer optimizer, long seed) {
        if (trained.getVertex(OUTPUT) == null) {
            throw new IllegalArgumentException("the network has no vertex named '" + OUTPUT + "' to replace");
        }
        String frozen = freezeUpTo == null ? null : vertexOf(trained, freezeUpTo);
        if (freezeUpTo != null && (freezeUpTo.equals(Architecture.INPUT) || frozen == null)) {
            throw new IllegalArgumentException("cannot freeze up to '" + freezeUpTo + "': no such layer; layers are "
                    + trained.getConfiguration().getTopologicalOrderStr());
        }
        String features = trained.getConfiguration().getVertexInputs().get(OUTPUT).get(0);
        var oldOutput = (OutputLayer) trained.getLayer(OUTPUT).conf().getLayer();
        var builder = new TransferLearning.GraphBuilder(trained)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(optimizer.toUpdater()).seed(seed).build());
        if (frozen != null) {
            builder.setFeatureExtractor(frozen);
        }
        ComputationGraph transferred = builder
                .removeVertexKeepConnections(OUTPUT)
                .addLayer(OUTPUT, new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(oldOutput.getNIn()).nOut(classes)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), features)
                .setOutputs(OUTPUT)
                .build();
        for (var layer : transferred.getLayers()) {
            optimizer.decay(layer.conf().getLayer()); // the fine-tuning configuration gave the updater
        }
        return transferred;
    }
}
