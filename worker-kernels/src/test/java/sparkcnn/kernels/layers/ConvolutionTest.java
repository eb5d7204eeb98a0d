package sparkcnn.kernels.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sparkcnn.kernels.layers.BatchNormReluTest.assertClose;
import static sparkcnn.kernels.layers.BatchNormReluTest.batch;
import static sparkcnn.kernels.layers.BatchNormReluTest.flat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import sparkcnn.kernels.backend.BackendInfo;
import sparkcnn.kernels.backend.NativeBackend;

/** The convolution without the forward recomputed in backward, against DL4J's on the same weights. */
class ConvolutionTest {

    /** conv(3x3, 5) -> conv(1x1, 4, activation) -> pool -> softmax; the first conv's gradient flows through the second. */
    static ComputationGraph net(boolean own, Activation activation) {
        return net(own, activation, false);
    }

    /** {@code channelsLast}: the images turned NHWC before the first convolution, as the graph builder does. */
    static ComputationGraph net(boolean own, Activation activation, boolean channelsLast) {
        return net(own, activation, channelsLast, true);
    }

    /** {@code imagesGradient}: whether the first convolution computes the gradient of the images. */
    static ComputationGraph net(boolean own, Activation activation, boolean channelsLast, boolean imagesGradient) {
        var first = (own ? new Convolution.Builder(3, 3) : new ConvolutionLayer.Builder(3, 3))
                .stride(2, 2).padding(1, 1).nOut(5).activation(Activation.IDENTITY).hasBias(false).build();
        var conf = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.FLOAT).updater(new Nesterovs(0.1, 0.9))
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(6, 7, 2))
                .addLayer("conv1", imagesGradient ? first : ((Convolution) first).withoutInputGradient(), "in")
                .addLayer("conv2", (own ? new Convolution.Builder(1, 1) : new ConvolutionLayer.Builder(1, 1))
                        .nOut(4).activation(activation).build(), "conv1")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "conv2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out");
        if (channelsLast) {
            conf.inputPreProcessor("conv1", new ChannelsLast());
        }
        var graph = new ComputationGraph(conf.build());
        graph.init();
        return graph;
    }

    @ParameterizedTest
    @EnumSource(value = Activation.class, names = {"IDENTITY", "RELU"})
    void sameGradientsAndTrainingAsDl4jsConvolution(Activation activation) {
        ComputationGraph theirs = net(false, activation);
        ComputationGraph ours = net(true, activation);
        assertEquals(org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class, ours.getLayer("conv1").getClass(),
                "an NCHW network runs on DL4J's own layer");
        Agreement.assertSameGradients(theirs, ours, batch(1), 1e-5);
        Agreement.assertSameTraining(theirs, ours, 3, 1e-5);
    }

    /** oneDNN's NHWC kernels, on a stride and padding whose output size DL4J floors, against DL4J's NCHW layer. */
    @ParameterizedTest
    @EnumSource(value = Activation.class, names = {"IDENTITY", "RELU"})
    void channelsLastOnOneDnnMatchesDl4jsConvolution(Activation activation) {
        ComputationGraph theirs = net(false, activation, false);
        ComputationGraph ours = net(true, activation, true);
        assertTrue(ours.getLayer("conv1") instanceof ChannelsLastConvolutionLayer);
        assertTrue(ours.getLayer("conv2") instanceof ChannelsLastConvolutionLayer);
        DataSet data = batch(1);
        Agreement.assertSameGradients(theirs, ours, data, 1e-5);
        assertClose(theirs.outputSingle(false, data.getFeatures()), ours.outputSingle(false, data.getFeatures()), 1e-5);
        Agreement.assertSameTraining(theirs, ours, 3, 1e-5);
    }

    /**
     * A convolution of the images skips their gradient (no one reads it): the same weight gradients and
     * training bit for bit, no input gradient, and the setting saved with the model.
     */
    @Test
    void convolutionOfTheImagesSkipsTheirGradient() throws Exception {
        ComputationGraph full = net(true, Activation.RELU, true, true);
        ComputationGraph skips = net(true, Activation.RELU, true, false);
        DataSet data = batch(1);
        Agreement.assertSameGradients(full, skips, data, Double.MIN_VALUE); // no difference at all
        var conv1 = skips.getLayer("conv1");
        var noWorkspaces = LayerWorkspaceMgr.noWorkspaces();
        conv1.setInput(data.getFeatures().permute(0, 2, 3, 1).dup('c'), noWorkspaces);
        var y = conv1.activate(true, noWorkspaces);
        var backward = conv1.backpropGradient(Nd4j.onesLike(y), noWorkspaces);
        assertNull(backward.getSecond());
        assertTrue(backward.getFirst().getGradientFor("W").sumNumber().doubleValue() != 0, "its weights' gradient is computed");
        assertNull(new ChannelsLast().backprop(null, 2, LayerWorkspaceMgr.noWorkspaces()));
        Agreement.assertSameTraining(full, skips, 3, Double.MIN_VALUE);

        var bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(skips, bytes, true);
        ComputationGraph loaded = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), true);
        assertFalse(((Convolution) loaded.getLayer("conv1").conf().getLayer()).isInputGradient());
        assertTrue(((Convolution) loaded.getLayer("conv2").conf().getLayer()).isInputGradient());
    }

    /** oneDNN's layer only where it computes exactly DL4J's: channels-last float, no SAME padding, identity or ReLU. */
    @Test
    void oneDnnOnlyWhereItComputesDl4jsConvolution() {
        var nhwc = (Convolution) new Convolution.Builder(3, 3).dataFormat(org.deeplearning4j.nn.conf.CNN2DFormat.NHWC)
                .nOut(2).activation(Activation.RELU).build();
        assertTrue(nhwc.runsOnOneDnn(DataType.FLOAT));
        assertFalse(nhwc.runsOnOneDnn(DataType.DOUBLE), "double networks (gradient checks) keep DL4J's layer");
        var nchw = (Convolution) new Convolution.Builder(3, 3).nOut(2).build();
        assertFalse(nchw.runsOnOneDnn(DataType.FLOAT), "NCHW networks (models saved before) keep DL4J's layer");
        var same = (Convolution) new Convolution.Builder(3, 3).dataFormat(org.deeplearning4j.nn.conf.CNN2DFormat.NHWC)
                .convolutionMode(org.deeplearning4j.nn.conf.ConvolutionMode.Same).nOut(2).build();
        assertFalse(same.runsOnOneDnn(DataType.FLOAT));
        var tanh = (Convolution) new Convolution.Builder(3, 3).dataFormat(org.deeplearning4j.nn.conf.CNN2DFormat.NHWC)
                .activation(Activation.TANH).nOut(2).build();
        assertFalse(tanh.runsOnOneDnn(DataType.FLOAT));
    }

    @Test
    void channelsLastSavesAndLoadsAsItself() throws Exception {
        ComputationGraph ours = net(true, Activation.RELU, true);
        ours.fit(batch(2));
        var bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(ours, bytes, true);
        ComputationGraph loaded = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), true);
        assertTrue(loaded.getLayer("conv2") instanceof ChannelsLastConvolutionLayer);
        var x = batch(3).getFeatures();
        assertArrayEquals(flat(ours.outputSingle(false, x)), flat(loaded.outputSingle(false, x)));
    }

    @Test
    void savesAndLoadsAsItself() throws Exception {
        ComputationGraph ours = net(true, Activation.IDENTITY);
        ours.fit(batch(2));
        var bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(ours, bytes, true);
        ComputationGraph loaded = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), true);
        assertTrue(loaded.getLayer("conv1").conf().getLayer() instanceof Convolution);
        assertEquals(org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class, loaded.getLayer("conv1").getClass());
        var x = batch(3).getFeatures();
        assertArrayEquals(flat(ours.outputSingle(false, x)), flat(loaded.outputSingle(false, x)));
    }

    @Test
    void aMinibatchSplitBetweenThreadsComputesWhatOneCallOverItDoes() {
        BackendInfo before = NativeBackend.current();
        NativeBackend.init(2);
        try {
            Nd4j.getRandom().setSeed(11);
            long images = 3; // parts of 1 and 2 images
            var x = Nd4j.randn(DataType.FLOAT, images, 6, 7, 5);
            var w = Nd4j.randn(DataType.FLOAT, 4, 5, 3, 3);
            var bias = Nd4j.randn(DataType.FLOAT, 4);
            var dy = Nd4j.randn(DataType.FLOAT, images, 3, 4, 4);
            // the weights' and bias' gradients are views into one flat array, as DL4J's are
            var gradients = Nd4j.zeros(DataType.FLOAT, 4 * 5 * 9 + 4 + 7);
            var results = new ArrayList<INDArray[]>();
            for (boolean splitting : new boolean[] {false, true}) {
                var conv = new OneDnnConvolution(new OneDnnConvolution.Kernel("split", 5, 4, new int[] {3, 3},
                        new int[] {2, 2}, new int[] {1, 1}, true, true), splitting);
                var y = Nd4j.create(DataType.FLOAT, conv.outputShape(x.shape()));
                var dx = Nd4j.create(DataType.FLOAT, x.shape());
                gradients.assign(0);
                var dw = gradients.get(NDArrayIndex.interval(0, 180)).reshape('c', 4, 5, 3, 3);
                var dBias = gradients.get(NDArrayIndex.interval(180, 184));
                conv.forward(x, w, bias, y);
                conv.backward(x, dy, w, dx, dw, dBias);
                results.add(new INDArray[] {y, dx, gradients.dup()});
            }
            for (int i = 0; i < 3; i++) {
                assertClose(results.get(0)[i], results.get(1)[i], 1e-5);
            }
            // nothing written past the bias' gradient
            assertEquals(0, results.get(1)[2].get(NDArrayIndex.interval(184, 191))
                    .amaxNumber().doubleValue());
        } finally {
            if (before != null) {
                NativeBackend.init(before.threads());
            }
        }
    }
}
