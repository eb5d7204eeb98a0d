package sparkcnn.kernels.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import sparkcnn.kernels.arch.DenseNet;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.layers.Convolution;

/** A transition's average pool runs before its 1x1 convolution: the same network, a quarter of the convolution. */
class PoolFirstTest {
    private static final Optimizer NESTEROV = new Optimizer("nesterovs", 0.05, 0.9, 0);

    @BeforeAll
    static void backend() {
        NativeBackend.init(2);
    }

    private static DenseNet net(double dropout) {
        return new DenseNet("tiny", new Volume(8, 8, 3), 3, 4, List.of(3, 2), true, 0.5, 6, false, dropout);
    }

    private static ComputationGraph graph(DenseNet net, boolean poolFirst) {
        String previous = System.getProperty(GraphBuilder.POOL_FIRST);
        System.setProperty(GraphBuilder.POOL_FIRST, String.valueOf(poolFirst));
        try {
            var graph = new ComputationGraph(GraphBuilder.build(net.architecture(), NESTEROV, 7));
            graph.init();
            return graph;
        } finally {
            if (previous == null) {
                System.clearProperty(GraphBuilder.POOL_FIRST);
            } else {
                System.setProperty(GraphBuilder.POOL_FIRST, previous);
            }
        }
    }

    private static DataSet batch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 6, 3);
        for (int i = 0; i < 6; i++) {
            y.putScalar(i, i % 3, 1);
        }
        return new DataSet(Nd4j.randn(DataType.FLOAT, 6, 3, 8, 8), y);
    }

    private static List<String> inputsOf(ComputationGraph graph, String vertex) {
        return graph.getConfiguration().getVertexInputs().get(vertex);
    }

    @Test
    void theTransitionPoolsFirstAndComputesTheSameNetwork() {
        ComputationGraph convFirst = graph(net(0), false);
        ComputationGraph poolFirst = graph(net(0), true);
        assertEquals(List.of("transition1_pool"), inputsOf(poolFirst, "transition1_conv1x1"));
        assertEquals(List.of("transition1_conv1x1"), inputsOf(poolFirst, "block2"));
        assertEquals(List.of("transition1_conv1x1"), inputsOf(convFirst, "transition1_pool"));
        assertTrue(((Convolution) poolFirst.getLayer("transition1_conv1x1").conf().getLayer()).isPoolFirst());
        assertEquals(List.copyOf(convFirst.paramTable().keySet()), List.copyOf(poolFirst.paramTable().keySet()),
                "the same parameters in the same order: model files load either way");

        poolFirst.setParams(convFirst.params().dup());
        DataSet data = batch(1);
        assertClose(convFirst.outputSingle(false, data.getFeatures()), poolFirst.outputSingle(false, data.getFeatures()), 1e-5);
        for (ComputationGraph g : new ComputationGraph[] {convFirst, poolFirst}) {
            g.setInput(0, data.getFeatures());
            g.setLabels(data.getLabels());
            g.computeGradientAndScore();
        }
        assertEquals(convFirst.score(), poolFirst.score(), 1e-5);
        assertClose(convFirst.gradient().gradient(), poolFirst.gradient().gradient(), 1e-4);
        IntStream.range(0, 5).mapToObj(s -> batch(10 + s)).forEach(b -> {
            convFirst.fit(b);
            poolFirst.fit(b);
        });
        assertClose(convFirst.params(), poolFirst.params(), 1e-4);
    }

    /** Dropout between them does not commute with the pool: the convolution stays first. */
    @Test
    void aDropoutBetweenKeepsTheConvolutionFirst() {
        ComputationGraph graph = graph(net(0.2), true);
        assertEquals(List.of("transition1_dropout"), inputsOf(graph, "transition1_pool"));
        assertFalse(((Convolution) graph.getLayer("transition1_conv1x1").conf().getLayer()).isPoolFirst());
    }

    /** "Up to the pool" still means the convolution too, though the graph runs it after the pool. */
    @Test
    void freezingUpToThePoolFreezesItsConvolution() {
        ComputationGraph transferred = Transfer.newClassifier(graph(net(0), true), "transition1_pool", 2, NESTEROV, 2);
        INDArray convBefore = transferred.getLayer("transition1_conv1x1").params().dup();
        INDArray laterBefore = transferred.getLayer("block2").params().dup();
        for (int i = 0; i < 3; i++) {
            DataSet b = batch(20 + i);
            transferred.fit(new DataSet(b.getFeatures(), b.getLabels().get(
                    org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2))));
        }
        assertEquals(convBefore, transferred.getLayer("transition1_conv1x1").params(), "the frozen convolution changed");
        assertFalse(laterBefore.equals(transferred.getLayer("block2").params()), "the block after the frozen part must train");
    }

    private static void assertClose(INDArray expected, INDArray actual, double tolerance) {
        float[] e = expected.dup('c').reshape(expected.length()).toFloatVector();
        float[] a = actual.dup('c').reshape(actual.length()).toFloatVector();
        assertEquals(e.length, a.length);
        double worst = 0;
        for (int i = 0; i < e.length; i++) {
            worst = Math.max(worst, Math.abs(e[i] - a[i]) / Math.max(1, Math.abs(e[i])));
        }
        assertTrue(worst < tolerance, "largest relative difference " + worst);
    }
}
