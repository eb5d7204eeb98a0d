package sparkcnn.kernels.net;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import sparkcnn.kernels.arch.Architecture;
import sparkcnn.kernels.arch.DenseNet;
import sparkcnn.kernels.arch.PatternNet;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.optim.Optimizer;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Backpropagation checked against central finite differences in double precision: the gradient of
 * a conv is a conv with flipped filters, and these checks prove the one our networks use.
 */
class GradientCheckTest {
    private static DataType previous;

    @BeforeAll
    static void doublePrecision() {
        NativeBackend.init(1);
        previous = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @AfterAll
    static void restore() {
        Nd4j.setDefaultDataTypes(previous, previous);
    }

    /** @param maxPerParam values checked per parameter array (every layer is covered), 0 = all */
    private static boolean check(Architecture net, int batch, int maxPerParam) {
        // plain SGD with learning rate 1 is what the gradient checker requires
        var graph = new ComputationGraph(GraphBuilder.build(net, Optimizer.constant("sgd", 1.0, 0, 0), 42, DataType.DOUBLE));
        graph.init();
        Nd4j.getRandom().setSeed(7);
        // Check at a generic point: with zero biases, a unit whose inputs are all zero (after an
        // earlier ReLU) sits exactly on its ReLU's kink, where no finite difference can agree.
        graph.paramTable().forEach((key, value) -> {
            if (key.endsWith("_b")) {
                value.assign(Nd4j.rand(DataType.DOUBLE, value.shape()).subi(0.5).muli(0.2));
            }
        });
        Volume in = net.input();
        INDArray x = Nd4j.rand(DataType.DOUBLE, batch, in.depth(), in.height(), in.width());
        int classes = (int) graph.getOutputLayer(0).getParam("W").size(1);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, batch, classes);
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, i % classes, 1.0);
        }
        // batch norm's running mean and variance are state, not parameters with gradients
        Set<String> state = graph.paramTable().keySet().stream()
                .filter(k -> k.endsWith("_mean") || k.endsWith("_var") || k.endsWith("_log10stdev"))
                .collect(Collectors.toSet());
        return GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig()
                .net(graph).inputs(new INDArray[] {x}).labels(new INDArray[] {y})
                .epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8)
                .excludeParams(state)
                .subset(maxPerParam > 0).maxPerParam(maxPerParam));
    }

    @Test
    void aSmallConvNet() {
        var net = new PatternNet(new Volume(8, 8, 2), List.of(new PatternNet.Stage(2, 3, 3, true),
                new PatternNet.Stage(1, 4, 3, false)), List.of(5), 3);
        assertTrue(check(net.architecture(), 3, 0));
    }

    @Test
    void aSmallDenseNetBc() {
        // 2 dense blocks of 2 bottleneck layers, k = 3, theta = 0.5
        var net = new DenseNet("densenet-bc-test", new Volume(8, 8, 2), 3, 3, List.of(2, 2), true, 0.5, 6, false, 0);
        assertTrue(check(net.architecture(), 4, 8)); // 8 values of every parameter array: every layer checked
    }
}
