package sparkcnn.kernels.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sparkcnn.kernels.layers.BatchNormReluTest.batch;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.FloatBuffer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The channels-last concatenation against DL4J's merge vertex in NCHW, on the same weights. */
class ChannelConcatTest {

    /** in -> conv a (3 maps), conv b (5 maps) -> concat(a, b, a) -> conv 1x1 -> pool -> softmax. */
    static ComputationGraph net(boolean channelsLast) {
        var g = new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.FLOAT).updater(new Nesterovs(0.1, 0.9))
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(6, 7, 2))
                .addLayer("a", new ConvolutionLayer.Builder(3, 3).padding(1, 1).nOut(3).activation(Activation.TANH).build(), "in")
                .addLayer("b", new ConvolutionLayer.Builder(1, 1).nOut(5).activation(Activation.TANH).build(), "in")
                .addVertex("concat", channelsLast ? new ChannelConcat() : new MergeVertex(), "a", "b", "a")
                .addLayer("mix", new ConvolutionLayer.Builder(1, 1).nOut(4).activation(Activation.TANH).build(), "concat")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "mix")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out");
        if (channelsLast) {
            g.inputPreProcessor("a", new ChannelsLast());
            g.inputPreProcessor("b", new ChannelsLast());
        }
        var graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    @Test
    void sameGradientsAsDl4jsMergeVertex() {
        ComputationGraph theirs = net(false);
        ComputationGraph ours = net(true);
        assertTrue(ours.getVertex("concat") instanceof ChannelConcatVertex);
        Agreement.assertSameGradients(theirs, ours, batch(4), 1e-5);
    }

    @Test
    void splitsEveryRowIntoItsPieces() {
        int rows = 101; // several blocks per thread and a short last one
        int[] widths = {3, 1, 12};
        int channels = 16;
        float[] whole = new float[rows * channels];
        for (int i = 0; i < whole.length; i++) {
            whole[i] = i;
        }
        FloatBuffer[] pieces = new FloatBuffer[widths.length];
        for (int i = 0; i < widths.length; i++) {
            pieces[i] = FloatBuffer.allocate(rows * widths[i]);
        }
        ChannelConcatVertex.split(FloatBuffer.wrap(whole), rows, channels, widths, pieces);
        for (int r = 0; r < rows; r++) {
            int offset = 0;
            for (int i = 0; i < widths.length; i++) {
                for (int k = 0; k < widths[i]; k++) {
                    assertEquals(whole[r * channels + offset + k], pieces[i].get(r * widths[i] + k), "row " + r + " piece " + i);
                }
                offset += widths[i];
            }
        }
    }

    @Test
    void savesAndLoadsAsItself() throws Exception {
        ComputationGraph ours = net(true);
        ours.fit(batch(5));
        var bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(ours, bytes, true);
        ComputationGraph loaded = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), true);
        assertTrue(loaded.getVertex("concat") instanceof ChannelConcatVertex);
        var x = batch(6).getFeatures();
        assertArrayEquals(BatchNormReluTest.flat(ours.outputSingle(false, x)), BatchNormReluTest.flat(loaded.outputSingle(false, x)));
    }
}
