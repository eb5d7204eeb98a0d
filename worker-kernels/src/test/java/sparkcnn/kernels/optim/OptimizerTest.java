package sparkcnn.kernels.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import sparkcnn.kernels.arch.DenseNet;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.net.GraphBuilder;

/** One owner of the optimizer: every parameter decayed exactly once, the rate set without losing state, bad values refused. */
class OptimizerTest {
    private static final Optimizer PAPER = new Optimizer("nesterovs", 0.9, 1e-4, WeightDecay.L2,
            new LearningRateSchedule("step", 0.1, 30, 0, List.of(0.5, 0.75), 0.1));

    @BeforeAll
    static void backend() {
        NativeBackend.init(2);
    }

    @Test
    void everyTrainableParameterOfDenseNet121AndDenseNetBcIsDecayedExactlyOnceAndNoRunningStatistic() {
        var bc = DenseNet.cifar(40, 12, true, 0.5, new Volume(32, 32, 3), 10, 0);
        var d121 = DenseNet.imagenet(121, new Volume(224, 224, 3), 1000);
        for (DenseNet net : List.of(bc, d121)) {
            ComputationGraphConfiguration conf = GraphBuilder.build(net.architecture(), PAPER, 1);
            // a second trip through JSON, as a worker and a checkpoint make it, adds nothing
            conf = ComputationGraphConfiguration.fromJson(conf.toJson());
            var graph = new ComputationGraph(conf);
            graph.init();
            int decayed = 0;
            int running = 0;
            for (var layer : graph.getLayers()) {
                var config = layer.conf().getLayer();
                for (String param : layer.paramTable().keySet()) {
                    String where = net.variant() + " " + config.getLayerName() + " " + param;
                    List<Regularization> regularization = config.getRegularizationByParam(param);
                    boolean runningStatistic = param.endsWith("mean") || param.endsWith("log10stdev")
                            || param.endsWith("var");
                    if (runningStatistic) {
                        assertTrue(regularization == null || regularization.isEmpty(), where + " is decayed");
                        assertInstanceOf(NoOp.class, config.getUpdaterByParam(param), where);
                        running++;
                    } else {
                        assertEquals(1, regularization.size(), where + ": " + regularization);
                        var l2 = assertInstanceOf(L2Regularization.class, regularization.get(0), where);
                        assertEquals(1e-4, l2.getL2().valueAt(0, 0), 0, where);
                        var sgd = assertInstanceOf(Sgd.class, config.getUpdaterByParam(param), where);
                        assertTrue(sgd.nesterov() && sgd.momentum() == 0.9 && sgd.learningRate() == 0.1, where);
                        decayed++;
                    }
                }
            }
            assertTrue(decayed > 0 && running > 0, net.variant());
        }
    }

    @Test
    void theDenseBlocksOwnBatchNormsAndDl4jsDecayTheirScaleAndShift() {
        var net = new DenseNet("tiny", new Volume(8, 8, 3), 3, 4, List.of(2, 2), true, 0.5, 6, false, 0);
        var conf = GraphBuilder.build(net.architecture(), PAPER, 1);
        var names = conf.getVertices().values().stream().filter(v -> v instanceof LayerVertex)
                .map(v -> ((LayerVertex) v).getLayerConf().getLayer())
                .filter(l -> l instanceof BaseLayer).map(l -> l.getClass().getSimpleName()).distinct().sorted().toList();
        assertEquals(List.of("BatchNormRelu", "Convolution", "DenseBlock", "OutputLayer"), names);
        var bn = conf.getVertices().values().stream().filter(v -> v instanceof LayerVertex)
                .map(v -> ((LayerVertex) v).getLayerConf().getLayer())
                .filter(l -> l instanceof sparkcnn.kernels.layers.BatchNorm).findFirst().orElseThrow();
        assertEquals(1, bn.getRegularizationByParam("gamma").size());
        assertEquals(1, bn.getRegularizationByParam("beta").size());
        assertNull(bn.getRegularizationByParam("mean"));
    }

    @Test
    void settingTheRateKeepsTheMomentumAndActsOnTheNextStep() {
        var net = new DenseNet("tiny", new Volume(8, 8, 3), 3, 4, List.of(2, 2), true, 0.5, 6, false, 0);
        var graph = new ComputationGraph(GraphBuilder.build(net.architecture(), PAPER, 1));
        graph.init();
        var before = graph.getUpdater(true).getStateViewArray();
        before.assign(0.5);
        Optimizer.setRate(graph, 0.01);
        assertTrue(graph.getUpdater(true).getStateViewArray() == before, "the same updater state");
        assertEquals(0.5, before.getDouble(0), 0);
        for (var layer : graph.getLayers()) {
            if (layer.conf().getLayer() instanceof BaseLayer base) {
                assertEquals(0.01, base.getIUpdater().getLearningRate(0, 0), 0, base.getLayerName());
            }
        }
    }

    @Test
    void describesItselfAsThePaperWould() {
        assertEquals("SGD nesterov momentum 0.9, L2 1e-4 (coupled), lr 0.1 x 0.1 at epochs 15, 22.5", PAPER.describe());
        assertEquals("Adam (betas 0.9, 0.999, eps 1e-8), no weight decay, lr 0.001 constant",
                Optimizer.constant("adam", 1e-3, 0.9, 0).describe());
        var adamw = new Optimizer("adam", 0, 0.05, WeightDecay.DECOUPLED,
                new LearningRateSchedule("cosine", 3e-4, 10, 1, List.of(), 1));
        assertEquals("Adam (betas 0.9, 0.999, eps 1e-8), weight decay 0.05 (decoupled), lr 3e-4, cosine to 0 over "
                + "10 epochs, linear warm-up over 1 epochs", adamw.describe());
    }

    @Test
    void refusesWhatPyTorchRefuses() {
        var rate = LearningRateSchedule.constant(0.1, 1);
        assertThrows(IllegalArgumentException.class, () -> new Optimizer("nesterovs", 0, 0, WeightDecay.L2, rate),
                "Nesterov without momentum");
        assertThrows(IllegalArgumentException.class, () -> new Optimizer("sgd", 1, 0, WeightDecay.L2, rate));
        assertThrows(IllegalArgumentException.class, () -> new Optimizer("sgd", -0.1, 0, WeightDecay.L2, rate));
        assertThrows(IllegalArgumentException.class, () -> new Optimizer("sgd", 0, -1e-4, WeightDecay.L2, rate));
        assertThrows(IllegalArgumentException.class, () -> new Optimizer("rmsprop", 0, 0, WeightDecay.L2, rate));
        var e = assertThrows(IllegalArgumentException.class, () -> WeightDecay.parse("l1"));
        assertTrue(e.getMessage().contains("'l1'"), e.getMessage());
        assertEquals(WeightDecay.DECOUPLED, WeightDecay.parse("Decoupled"));
    }
}
