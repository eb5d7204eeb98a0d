package sparkcnn.kernels.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sparkcnn.kernels.layers.BatchNormReluTest.assertClose;
import static sparkcnn.kernels.layers.DenseBlockTest.batch;

import java.util.List;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import sparkcnn.kernels.arch.DenseNet;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.net.GraphBuilder;
import sparkcnn.kernels.net.LayerOptions;
import sparkcnn.kernels.optim.Optimizer;
import sparkcnn.kernels.net.Transfer;

/** A transition's average pool runs before its 1x1 convolution: the same network, a quarter of the convolution. */
class PoolFirstTest {
    private static final Optimizer NESTEROV = Optimizer.constant("nesterovs", 0.05, 0.9, 0);

    @BeforeAll
    static void backend() {
        NativeBackend.init(2);
    }

    private static DenseNet net(double dropout) {
        return new DenseNet("tiny", new Volume(8, 8, 3), 3, 4, List.of(3, 2), true, 0.5, 6, false, dropout);
    }

    private static ComputationGraph graph(DenseNet net, boolean poolFirst) {
        var graph = new ComputationGraph(GraphBuilder.build(net.architecture(), NESTEROV, 7,
                LayerOptions.DEFAULT.withPoolFirst(poolFirst)));
        graph.init();
        return graph;
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
        Agreement.assertSameGradients(convFirst, poolFirst, data, 1e-4);
        assertEquals(convFirst.score(), poolFirst.score(), 1e-5);
        Agreement.assertSameTraining(convFirst, poolFirst, IntStream.range(0, 5).mapToObj(s -> batch(10 + s)).toList(),
                1e-4);
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
}
