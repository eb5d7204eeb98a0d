package sparkcnn.kernels.net;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import sparkcnn.kernels.arch.PatternNet;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.optim.Optimizer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransferTest {
    private static final PatternNet NET = new PatternNet(new Volume(8, 8, 1),
            List.of(new PatternNet.Stage(1, 4, 3, true), new PatternNet.Stage(1, 6, 3, false)), List.of(12), 10);

    @BeforeAll
    static void backend() {
        NativeBackend.init(1);
    }

    @Test
    void freezesUpToTheNamedLayerAndTrainsANewClassifier(@TempDir Path dir) throws Exception {
        var original = new ComputationGraph(GraphBuilder.build(NET.architecture(), Optimizer.constant("adam", 1e-2, 0, 0), 1));
        original.init();
        File zip = dir.resolve("model.zip").toFile();
        ModelSerializer.writeModel(original, zip, true);

        ComputationGraph loaded = Transfer.load(zip);
        ComputationGraph transferred = Transfer.newClassifier(loaded, "stage1_pool", 3, Optimizer.constant("adam", 1e-2, 0, 0), 2);
        assertEquals(3, transferred.getOutputLayer(0).getParam("W").size(1));

        INDArray conv1Before = transferred.getLayer("stage1_conv1").getParam("W").dup();
        INDArray conv2Before = transferred.getLayer("stage2_conv1").getParam("W").dup();
        var batch = new DataSet(Nd4j.rand(16, 1, 8, 8), Nd4j.eye(3).repeat(0, 6).getRows(java.util.stream.IntStream.range(0, 16).toArray()));
        for (int i = 0; i < 5; i++) {
            transferred.fit(batch);
        }
        assertEquals(conv1Before, transferred.getLayer("stage1_conv1").getParam("W"), "frozen layer changed");
        assertFalse(conv2Before.equals(transferred.getLayer("stage2_conv1").getParam("W")), "layer after the frozen part must train");
        assertEquals(original.getLayer("stage1_conv1").getParam("W"), transferred.getLayer("stage1_conv1").getParam("W"));
    }

    @Test
    void anUnknownLayerNameIsNamedInTheError() {
        var graph = new ComputationGraph(GraphBuilder.build(NET.architecture(), Optimizer.constant("sgd", 0.1, 0, 0), 1));
        graph.init();
        var e = assertThrows(IllegalArgumentException.class,
                () -> Transfer.newClassifier(graph, "stage9_conv1", 3, Optimizer.constant("sgd", 0.1, 0, 0), 1));
        assertTrue(e.getMessage().contains("'stage9_conv1'") && e.getMessage().contains("stage1_conv1"), e.getMessage());
    }

    /** A dense block trains as one layer: its last layer's name freezes the block; a layer inside it is refused by name. */
    @Test
    void aDenseBlockFreezesByItsLastLayer() {
        var net = new sparkcnn.kernels.arch.DenseNet("tiny", new Volume(8, 8, 3), 3, 4, List.of(3, 2), true, 0.5, 6, false, 0);
        var sgd = Optimizer.constant("sgd", 0.1, 0, 0);
        var graph = new ComputationGraph(GraphBuilder.build(net.architecture(), sgd, 1));
        graph.init();
        assertTrue(graph.getLayer("block1").conf().getLayer() instanceof sparkcnn.kernels.layers.DenseBlock);
        ComputationGraph transferred = Transfer.newClassifier(graph, "block1_layer3_concat", 2, sgd, 2);
        INDArray blockBefore = transferred.getLayer("block1").params().dup();
        INDArray laterBefore = transferred.getLayer("block2").params().dup();
        var batch = new DataSet(Nd4j.rand(8, 3, 8, 8), Nd4j.eye(2).repeat(0, 4).getRows(java.util.stream.IntStream.range(0, 8).toArray()));
        for (int i = 0; i < 3; i++) {
            transferred.fit(batch);
        }
        assertEquals(blockBefore, transferred.getLayer("block1").params(), "the frozen block changed");
        assertFalse(laterBefore.equals(transferred.getLayer("block2").params()), "the block after the frozen part must train");

        var e = assertThrows(IllegalArgumentException.class, () -> Transfer.newClassifier(graph, "block1_layer2_conv3x3", 2, sgd, 2));
        assertTrue(e.getMessage().contains("inside dense block 'block1'") && e.getMessage().contains("block1_layer3_concat"),
                e.getMessage());
    }
}
