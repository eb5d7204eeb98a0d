package sparkcnn.kernels.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sparkcnn.kernels.layers.BatchNormReluTest.assertClose;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import sparkcnn.kernels.arch.DenseNet;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.net.GraphBuilder;
import sparkcnn.kernels.net.LayerOptions;
import sparkcnn.kernels.optim.Optimizer;

/**
 * A dense block as one layer computes what the per-layer graph computes, on the same parameters:
 * outputs, gradients, Nesterov steps, with and without recomputing its BN-ReLU outputs (and its
 * bottlenecks' outputs), with and without bottlenecks; its gradients match finite differences; its model files round-trip and a
 * per-layer model's parameters load into it.
 */
class DenseBlockTest {
    private static final Optimizer NESTEROV = Optimizer.constant("nesterovs", 0.05, 0.9, 1e-4);
    private static final Volume INPUT = new Volume(8, 8, 3);

    @BeforeAll
    static void backend() {
        NativeBackend.init(2);
    }

    /** Two dense blocks of 3 and 2 layers with a transition between them: small, but every part. */
    private static DenseNet net(boolean bottleneck) {
        return new DenseNet("tiny", INPUT, 3, 4, List.of(3, 2), bottleneck, 0.5, 6, false, 0);
    }

    static ComputationGraph graph(DenseNet net, boolean blocks, boolean recompute) {
        return graph(net, blocks, recompute, false);
    }

    static ComputationGraph graph(DenseNet net, boolean blocks, boolean recompute, boolean recomputeBottleneck) {
        var conf = GraphBuilder.build(net.architecture(), NESTEROV, 7, LayerOptions.DEFAULT.withDenseBlocks(blocks));
        conf.getVertices().values().stream()
                .filter(v -> v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv
                        && lv.getLayerConf().getLayer() instanceof DenseBlock)
                .map(v -> (DenseBlock) ((org.deeplearning4j.nn.conf.graph.LayerVertex) v).getLayerConf().getLayer())
                .forEach(block -> {
                    block.setRecompute(recompute);
                    block.setRecomputeBottleneck(recomputeBottleneck);
                });
        var graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    static DataSet batch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.FLOAT, 6, INPUT.depth(), INPUT.height(), INPUT.width());
        INDArray y = Nd4j.zeros(DataType.FLOAT, 6, 3);
        for (int i = 0; i < 6; i++) {
            y.putScalar(i, i % 3, 1);
        }
        return new DataSet(x, y);
    }

    @ParameterizedTest
    @CsvSource({"true,true,false", "true,false,false", "false,true,false", "false,false,false", "true,true,true",
            "true,false,true"})
    void computesWhatThePerLayerGraphComputes(boolean bottleneck, boolean recompute, boolean recomputeBottleneck) {
        ComputationGraph perLayer = graph(net(bottleneck), false, recompute);
        ComputationGraph block = graph(net(bottleneck), true, recompute, recomputeBottleneck);
        assertInstanceOf(DenseBlock.class, block.getLayer("block1").conf().getLayer());
        assertEquals(perLayer.numParams(), block.numParams());
        assertEquals(perLayer.paramTable().keySet().stream().toList(), block.paramTable().keySet().stream()
                        .map(k -> k.replace('.', '_')).toList(), "the same parameters under the same names, in the same order");
        assertClose(perLayer.params(), block.params(), 1e-6); // and initialised alike from the same seed

        DataSet data = batch(1);
        block.setParams(perLayer.params().dup());
        assertClose(perLayer.outputSingle(false, data.getFeatures()), block.outputSingle(false, data.getFeatures()), 1e-4);
        assertClose(perLayer.outputSingle(true, data.getFeatures()), block.outputSingle(true, data.getFeatures()), 1e-4);
        Agreement.assertSameGradients(perLayer, block, data, 1e-3);
        Agreement.assertSameTraining(perLayer, block, IntStream.range(0, 5).mapToObj(s -> batch(10 + s)).toList(), 1e-3);
        assertClose(perLayer.getUpdater().getStateViewArray(), block.getUpdater().getStateViewArray(), 1e-3);
    }

    /** Central differences of the score against the block's gradient, for parameters drawn at random. */
    @Test
    void gradientsMatchFiniteDifferences() {
        ComputationGraph block = graph(net(true), true, true);
        DataSet data = batch(3);
        block.setInput(0, data.getFeatures());
        block.setLabels(data.getLabels());
        block.computeGradientAndScore();
        // DL4J's gradient is of the minibatch's summed loss (its updater divides by the batch), the score its mean
        INDArray gradient = block.gradient().gradient().dup().divi(data.numExamples());
        long from = block.getLayer("stem_conv3x3").numParams();
        long to = from + block.getLayer("block1").numParams();
        var random = new Random(5);
        List<String> failures = new ArrayList<>();
        double h = 1e-3;
        for (int i = 0; i < 40; i++) {
            long p = from + (long) (random.nextDouble() * (to - from));
            String name = parameterAt(block, p);
            if (DenseBlockParams.isRunningStatistic(name)) {
                continue; // its "gradient" is its running-average step, not a derivative
            }
            double numeric = (scoreWith(block, data, p, h) - scoreWith(block, data, p, -h)) / (2 * h);
            double analytic = gradient.getDouble(p);
            if (Math.abs(numeric - analytic) > 2e-3 + 0.05 * Math.abs(analytic)) {
                failures.add(name + " (#" + p + "): finite difference " + numeric + ", gradient " + analytic);
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    /** The name of the parameter that holds flat index {@code index}. */
    private static String parameterAt(ComputationGraph graph, long index) {
        long offset = 0;
        for (var e : graph.paramTable().entrySet()) {
            if (index < offset + e.getValue().length()) {
                return e.getKey();
            }
            offset += e.getValue().length();
        }
        throw new IllegalArgumentException("no parameter at " + index);
    }

    private static double scoreWith(ComputationGraph graph, DataSet data, long index, double delta) {
        INDArray params = graph.params();
        double original = params.getDouble(index);
        params.putScalar(index, original + delta);
        double score = graph.score(data, true);
        params.putScalar(index, original);
        return score;
    }

    @Test
    void modelFilesRoundTripAndPerLayerModelsLoadIntoBlocks(@TempDir Path dir) throws IOException {
        ComputationGraph perLayer = graph(net(true), false, true);
        perLayer.fit(batch(4));
        File perLayerFile = dir.resolve("per-layer.zip").toFile();
        ModelSerializer.writeModel(perLayer, perLayerFile, true);

        ComputationGraph restoredPerLayer = ModelSerializer.restoreComputationGraph(perLayerFile, true);
        ComputationGraph block = graph(net(true), true, true);
        block.setParams(restoredPerLayer.params());
        block.getUpdater().getStateViewArray().assign(restoredPerLayer.getUpdater().getStateViewArray());
        DataSet data = batch(5);
        assertClose(perLayer.outputSingle(false, data.getFeatures()), block.outputSingle(false, data.getFeatures()), 1e-4);

        File blockFile = dir.resolve("block.zip").toFile();
        ModelSerializer.writeModel(block, blockFile, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(blockFile, true);
        assertInstanceOf(DenseBlock.class, restored.getLayer("block2").conf().getLayer());
        assertEquals(block.getConfiguration(), restored.getConfiguration());
        assertClose(block.params(), restored.params(), 1e-9);
        assertClose(block.outputSingle(false, data.getFeatures()), restored.outputSingle(false, data.getFeatures()), 1e-9);
        // and both keep training alike
        perLayer.fit(data);
        restored.fit(data);
        assertClose(perLayer.params(), restored.params(), 1e-3);
    }
}
