package sparkcnn.kernels.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import sparkcnn.kernels.arch.Architecture;
import sparkcnn.kernels.arch.ConvSpec;
import sparkcnn.kernels.arch.DenseNet;
import sparkcnn.kernels.arch.FcSpec;
import sparkcnn.kernels.arch.PatternNet;
import sparkcnn.kernels.arch.PoolSpec;
import sparkcnn.kernels.arch.Rounding;
import sparkcnn.kernels.arch.SoftmaxOutputSpec;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.net.GraphBuilder;
import sparkcnn.kernels.net.LayerOptions;
import sparkcnn.kernels.optim.Optimizer;

/**
 * The exported models compute what the networks compute: each network is trained a few steps (so
 * that batch norms' running statistics are not their initial ones), exported, loaded into ONNX
 * Runtime, and its probabilities compared with DL4J's on the same normalised images, for every layer
 * set the networks are built from.
 */
class OnnxExportTest {
    private static final Optimizer SGD = Optimizer.constant("sgd", 0.05, 0.9, 0);
    private static final float TOLERANCE = 1e-4f;

    @BeforeAll
    static void backend() {
        NativeBackend.init(2);
    }

    @Test
    void aPatternNetExportsWithItsNormalisationAndFlattenOrder() throws OrtException {
        Architecture net = new PatternNet(new Volume(12, 12, 3),
                List.of(new PatternNet.Stage(2, 6, 3, true), new PatternNet.Stage(1, 8, 3, true)), List.of(16), 4)
                .architecture();
        float[] mean = {0.4f, 0.5f, 0.6f};
        float[] std = {0.2f, 0.25f, 0.3f};
        for (boolean ownLayers : List.of(true, false)) {
            ComputationGraph graph = trained(net, LayerOptions.DEFAULT.withOwnLayers(ownLayers));
            assertSameProbabilities(graph, net.input(), mean, std, "pattern net, own layers " + ownLayers);
        }
    }

    @Test
    void averagePoolingWithPaddingCountsAsDl4jDoes() throws OrtException {
        Architecture net = Architecture.chain("pools", new Volume(9, 9, 2), List.of(
                new ConvSpec("conv", 4, 3, 1, 1), new PoolSpec("avg", PoolSpec.Kind.AVG, 3, 2, 1, Rounding.EXACT),
                new PoolSpec("max", PoolSpec.Kind.MAX, 3, 1, 1, Rounding.EXACT), new FcSpec("fc", 5),
                new SoftmaxOutputSpec("output", 3)));
        assertSameProbabilities(trained(net), net.input(), new float[] {0, 0}, new float[] {1, 1}, "pools with padding");
    }

    @Test
    void denseNetsExportEveryVariantAndLayerSet() throws OrtException {
        Volume input = new Volume(16, 16, 1);
        for (DenseNet denseNet : List.of(
                DenseNet.cifar(7, 4, false, 1, input, 5, 0),      // DenseNet
                DenseNet.cifar(10, 4, true, 1, input, 5, 0),      // -B
                DenseNet.cifar(7, 4, false, 0.5, input, 5, 0.2),  // -C, with dropout
                DenseNet.cifar(10, 4, true, 0.5, input, 5, 0))) { // -BC
            for (LayerOptions set : List.of(LayerOptions.DEFAULT, LayerOptions.DEFAULT.withDenseBlocks(false),
                    LayerOptions.DEFAULT.withOwnLayers(false))) {
                ComputationGraph graph = trained(denseNet.architecture(), set);
                assertSameProbabilities(graph, input, new float[] {0.3f}, new float[] {0.35f},
                        denseNet.architecture().name() + " " + set);
            }
        }
    }

    @Test
    void theImageNetDenseNetExports() throws OrtException {
        Architecture net = DenseNet.imagenet(121, new Volume(64, 64, 3), 7).architecture(); // 224 in bench/onnx
        assertSameProbabilities(trained(net), net.input(), new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f},
                "densenet-121");
    }

    @Test
    void aLayerWithoutAnOnnxFormIsNamed() {
        var conf = new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(8, 8, 1))
                .addLayer("upsample", new Deconvolution2D.Builder(2, 2).stride(2, 2).nOut(2).build(), "in")
                .addLayer("output", new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nOut(2)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build(), "upsample")
                .setOutputs("output").build();
        var graph = new ComputationGraph(conf);
        graph.init();
        var e = assertThrows(NoOnnxFormException.class, () -> OnnxExport.export(graph, new Volume(8, 8, 1), new float[] {0}, new float[] {1}, Map.of()));
        assertTrue(e.getMessage().contains("'upsample'") && e.getMessage().contains("Deconvolution2D"), e.getMessage());
    }

    @Test
    void theModelStatesItsOpsetBatchAndMetadata() {
        Architecture net = Architecture.chain("tiny", new Volume(4, 4, 1), List.of(new ConvSpec("conv", 2, 3, 1, 1),
                new FcSpec("fc", 3), new SoftmaxOutputSpec("output", 2)));
        var graph = new ComputationGraph(GraphBuilder.build(net, SGD, 1));
        graph.init();
        var model = OnnxExport.export(graph, net.input(), new float[] {0}, new float[] {1}, Map.of("classes", "[\"a\", \"b\"]"));
        assertEquals(OnnxExport.OPSET, model.getOpsetImport(0).getVersion());
        assertEquals("batch", model.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimParam());
        assertEquals("[\"a\", \"b\"]", model.getMetadataProps(0).getValue());
        assertTrue(model.getGraph().getNodeList().stream().noneMatch(n -> n.getOpType().equals("Sub")),
                "no normalisation nodes where the run only scaled its pixels");
    }

    /** The network after a few SGD steps on random images, so that every weight and running statistic has moved. */
    private static ComputationGraph trained(Architecture net) {
        return trained(net, LayerOptions.DEFAULT);
    }

    private static ComputationGraph trained(Architecture net, LayerOptions options) {
        var graph = new ComputationGraph(GraphBuilder.build(net, SGD, 7, options));
        graph.init();
        Random random = new Random(3);
        Volume in = net.input();
        int classes = (int) graph.getLayer(graph.getConfiguration().getNetworkOutputs().get(0)).getParam("W").shape()[1];
        for (int step = 0; step < 3; step++) {
            INDArray x = Nd4j.rand(DataType.FLOAT, 8, in.depth(), in.height(), in.width()).subi(0.5);
            INDArray y = Nd4j.zeros(DataType.FLOAT, 8, classes);
            for (int i = 0; i < 8; i++) {
                y.putScalar(i, random.nextInt(classes), 1);
            }
            graph.fit(new DataSet(x, y));
        }
        return graph;
    }

    /** ONNX Runtime on pixels in [0, 1] against DL4J on the same pixels normalised: the same class, probabilities within 1e-4. */
    private static void assertSameProbabilities(ComputationGraph graph, Volume input, float[] mean, float[] std, String what)
            throws OrtException {
        long[] shape = {6, input.depth(), input.height(), input.width()};
        INDArray pixels = Nd4j.rand(DataType.FLOAT, shape);
        INDArray normalised = pixels.dup();
        for (int c = 0; c < mean.length; c++) {
            normalised.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(c))
                    .subi(mean[c]).divi(std[c]);
        }
        float[][] expected = graph.output(normalised)[0].toFloatMatrix();
        byte[] model = OnnxExport.export(graph, input, mean, std, Map.of()).toByteArray();
        var env = OrtEnvironment.getEnvironment();
        try (var session = env.createSession(model, new OrtSession.SessionOptions());
             var tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels.data().asFloat()), shape);
             var result = session.run(Map.of(OnnxExport.INPUT, tensor))) {
            float[][] actual = (float[][]) result.get(OnnxExport.OUTPUT).orElseThrow().getValue();
            assertEquals(expected.length, actual.length, what);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(argmax(expected[i]), argmax(actual[i]), what + ": image " + i);
                for (int k = 0; k < expected[i].length; k++) {
                    assertEquals(expected[i][k], actual[i][k], TOLERANCE, what + ": image " + i + " class " + k);
                }
            }
        }
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

}
