package sparkcnn.kernels.net;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import sparkcnn.kernels.arch.Architecture;
import sparkcnn.kernels.arch.ConvSpec;
import sparkcnn.kernels.arch.DenseNet;
import sparkcnn.kernels.arch.Geometry;
import sparkcnn.kernels.arch.GeometryException;
import sparkcnn.kernels.arch.LayerSpec;
import sparkcnn.kernels.arch.PoolSpec;
import sparkcnn.kernels.arch.ReluSpec;
import sparkcnn.kernels.arch.Rounding;
import sparkcnn.kernels.arch.SoftmaxOutputSpec;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.cost.CostReport;
import sparkcnn.kernels.layers.Convolution;
import sparkcnn.kernels.optim.Optimizer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The networks DL4J builds from our architectures have the shapes and parameters we predict. */
class Dl4jAgreementTest {
    private static final Optimizer SGD = Optimizer.constant("sgd", 0.1, 0, 0);

    @BeforeAll
    static void backend() {
        NativeBackend.init(1);
    }

    /** Runs a forward pass and compares every layer's actual output with the predicted volume. */
    private static void assertShapesMatch(Architecture net) {
        var graph = new ComputationGraph(GraphBuilder.build(net, SGD, 1));
        graph.init();
        Volume in = net.input();
        Map<String, INDArray> actual = graph.feedForward(Nd4j.rand(2, in.depth(), in.height(), in.width()), false);
        Map<String, Volume> predicted = Geometry.shapes(net);
        for (Architecture.Node node : net.nodes()) {
            INDArray a = actual.get(node.name());
            if (a == null) {
                continue; // a ReLU fused into its conv
            }
            Volume v = pooledFirst(graph, net, node.name(), predicted);
            long[] expected = a.rank() != 4 ? new long[] {2, v.size()}
                    : GraphBuilder.channelsLast(DataType.FLOAT, LayerOptions.DEFAULT) ? new long[] {2, v.height(), v.width(), v.depth()}
                    : new long[] {2, v.depth(), v.height(), v.width()};
            assertArrayEquals(expected, a.shape(), node.name() + " in " + net.name());
        }
    }

    /**
     * The volume the DL4J vertex of {@code name} makes: the architecture's, except where a 1x1 convolution
     * runs after its average pool (the convolution's vertex then makes the pool's volume, the pool's vertex
     * the pooled input of the convolution).
     */
    private static Volume pooledFirst(ComputationGraph graph, Architecture net, String name, Map<String, Volume> predicted) {
        var inputs = graph.getConfiguration().getVertexInputs();
        for (Architecture.Node node : net.nodes()) {
            if (!(graph.getVertex(node.name()) != null && graph.getVertex(node.name()).hasLayer()
                    && graph.getLayer(node.name()).conf().getLayer() instanceof Convolution c && c.isPoolFirst())) {
                continue;
            }
            String pool = inputs.get(node.name()).get(0);
            Volume pooled = predicted.get(pool);
            if (name.equals(node.name())) {
                return pooled;
            }
            if (name.equals(pool)) {
                return new Volume(pooled.height(), pooled.width(), predicted.get(node.inputs().get(0)).depth());
            }
        }
        return predicted.get(name);
    }

    @Test
    void aSmallDenseNetBcHasThePredictedShapesAndParameters() {
        Architecture net = DenseNet.cifar(40, 12, true, 0.5, new Volume(32, 32, 3), 10, 0).architecture();
        var graph = new ComputationGraph(GraphBuilder.build(net, SGD, 1));
        graph.init();
        CostReport report = CostReport.of(net);
        // DL4J counts batch norm's running mean and variance as parameters
        assertEquals(report.trainable() + report.state(), graph.numParams());
        assertShapesMatch(DenseNet.cifar(10, 4, true, 0.5, new Volume(16, 16, 3), 5, 0.2).architecture());
        assertShapesMatch(DenseNet.cifar(10, 4, true, 0.5, new Volume(16, 16, 3), 5, 0).architecture()); // pools first
    }

    /** The stem's convolution reads the images, whose gradient no one reads; every other one computes its input's. */
    @Test
    void onlyTheConvolutionOfTheImagesSkipsTheirGradient() {
        Architecture net = DenseNet.imagenet(121, new Volume(224, 224, 3), 1000).architecture();
        var conf = GraphBuilder.build(net, SGD, 1);
        Map<String, Boolean> inputGradient = new java.util.TreeMap<>();
        conf.getVertices().forEach((name, vertex) -> {
            if (vertex instanceof LayerVertex v && v.getLayerConf().getLayer() instanceof Convolution c) {
                inputGradient.put(name, c.isInputGradient());
            }
        });
        assertEquals(Map.of("stem_conv7x7", false, "transition1_conv1x1", true, "transition2_conv1x1", true,
                "transition3_conv1x1", true), inputGradient);
    }

    @Test
    void theImageNetStemFloorsWhereTheFrameworksDo() {
        Architecture net = DenseNet.imagenet(121, new Volume(224, 224, 3), 1000).architecture();
        Map<String, Volume> shapes = Geometry.shapes(net);
        assertEquals(new Volume(112, 112, 64), shapes.get("stem_conv7x7"));
        assertEquals(new Volume(56, 56, 64), shapes.get("stem_pool"));
        assertEquals(new Volume(7, 7, 1024), shapes.get("block4_layer16_concat"));
    }

    /**
     * Hundreds of random conv/pool chains: each either builds in DL4J with exactly the predicted
     * output shapes, or is rejected, and rejected exactly when the formula is not a whole number.
     */
    @Test
    void randomGeometriesAgreeWithTheFormula() {
        var random = new Random(2024);
        int built = 0;
        int rejected = 0;
        for (int trial = 0; trial < 300; trial++) {
            Volume input = new Volume(4 + random.nextInt(30), 4 + random.nextInt(30), 1 + random.nextInt(3));
            List<LayerSpec> layers = new ArrayList<>();
            int w = input.width();
            int h = input.height();
            boolean whole = true;
            int n = 1 + random.nextInt(3);
            for (int i = 0; i < n; i++) {
                int f = 1 + random.nextInt(5);
                int s = 1 + random.nextInt(3);
                boolean conv = random.nextBoolean();
                int p = conv ? random.nextInt(3) : 0;
                layers.add(conv ? new ConvSpec("conv" + i, 1 + random.nextInt(4), f, s, p) : new PoolSpec("pool" + i,
                        random.nextBoolean() ? PoolSpec.Kind.MAX : PoolSpec.Kind.AVG, f, s));
                if (conv) {
                    layers.add(new ReluSpec("relu" + i));
                }
                whole &= w - f + 2 * p >= 0 && (w - f + 2 * p) % s == 0 && h - f + 2 * p >= 0 && (h - f + 2 * p) % s == 0;
                w = whole ? (w - f + 2 * p) / s + 1 : w;
                h = whole ? (h - f + 2 * p) / s + 1 : h;
            }
            layers.add(new SoftmaxOutputSpec("output", 3));
            Architecture net = Architecture.chain("fuzz" + trial, input, layers);
            if (whole) {
                assertShapesMatch(net);
                Volume last = Geometry.shapes(net).get(layers.get(layers.size() - 2).name());
                assertEquals(w, last.width());
                assertEquals(h, last.height());
                built++;
            } else {
                var e = assertThrows(GeometryException.class, () -> GraphBuilder.build(net, SGD, 1), net.toString());
                assertTrue(e.getMessage().contains("is not a whole number"), e.getMessage());
                rejected++;
            }
        }
        assertTrue(built > 50 && rejected > 50, "both outcomes exercised: built " + built + ", rejected " + rejected);
    }

    @Test
    void floorRoundingIsOnlyUsedWhereAskedFor() {
        var exact = new ConvSpec("c", 4, 3, 2, 0);
        var floor = new ConvSpec("c", 4, 3, 2, 0, true, Rounding.FLOOR);
        assertThrows(GeometryException.class, () -> Geometry.output(exact, new Volume(10, 10, 1)));
        assertEquals(new Volume(4, 4, 4), Geometry.output(floor, new Volume(10, 10, 1)));
    }
}
