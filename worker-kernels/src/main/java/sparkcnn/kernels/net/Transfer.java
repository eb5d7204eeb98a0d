package sparkcnn.kernels.net;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import sparkcnn.kernels.arch.Architecture;

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
     * @param freezeUpTo the last vertex whose weights stay fixed (it and everything before it), as
     *                   named in the architecture; null freezes nothing
     */
    public static ComputationGraph newClassifier(ComputationGraph trained, String freezeUpTo, int classes,
                                                 Optimizer optimizer, long seed) {
        if (trained.getVertex(OUTPUT) == null) {
            throw new IllegalArgumentException("the network has no vertex named '" + OUTPUT + "' to replace");
        }
        if (freezeUpTo != null && (freezeUpTo.equals(Architecture.INPUT) || trained.getVertex(freezeUpTo) == null)) {
            throw new IllegalArgumentException("cannot freeze up to '" + freezeUpTo + "': no such layer; layers are "
                    + trained.getConfiguration().getTopologicalOrderStr());
        }
        String features = trained.getConfiguration().getVertexInputs().get(OUTPUT).get(0);
        var oldOutput = (OutputLayer) trained.getLayer(OUTPUT).conf().getLayer();
        var builder = new TransferLearning.GraphBuilder(trained)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(optimizer.toUpdater()).seed(seed).build());
        if (freezeUpTo != null) {
            builder.setFeatureExtractor(freezeUpTo);
        }
        return builder
                .removeVertexKeepConnections(OUTPUT)
                .addLayer(OUTPUT, new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(oldOutput.getNIn()).nOut(classes)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), features)
                .setOutputs(OUTPUT)
                .build();
    }
}
