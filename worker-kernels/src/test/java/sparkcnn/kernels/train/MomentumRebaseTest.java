package sparkcnn.kernels.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import sparkcnn.kernels.arch.DenseNet;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.net.GraphBuilder;
import sparkcnn.kernels.optim.LearningRateSchedule;
import sparkcnn.kernels.optim.Optimizer;
import sparkcnn.kernels.optim.Sgd;
import sparkcnn.kernels.optim.WeightDecay;

class MomentumRebaseTest {
    private static final int N = 50;

    @BeforeAll
    static void backend() {
        NativeBackend.init(1);
    }

    /** {@code steps} steps of {@link Sgd} from (params, buffer) with the given gradients, as DL4J takes them. */
    private static float[][] fit(Sgd sgd, float[] params, float[] buffer, float[][] gradients) {
        INDArray view = Nd4j.createFromArray(buffer.clone()).reshape(1, N);
        GradientUpdater<Sgd> step = sgd.instantiate(view, false);
        INDArray p = Nd4j.createFromArray(params.clone()).reshape(1, N);
        for (int t = 0; t < gradients.length; t++) {
            INDArray g = Nd4j.createFromArray(gradients[t].clone()).reshape(1, N);
            step.applyUpdater(g, t, 0);
            p.subi(g);
        }
        return new float[][] {p.toFloatVector(), view.toFloatVector()};
    }

    private static float[] random(Random random) {
        float[] values = new float[N];
        for (int i = 0; i < N; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aRoundMovedOntoAnotherStartIsTheRoundFittedFromThatStart(boolean nesterov) {
        var random = new Random(7);
        var sgd = new Sgd(0.1, 0.9, nesterov);
        float[][] gradients = new float[5][];
        Arrays.setAll(gradients, t -> random(random));
        var start = new ModelState("", random(random), random(random), 0, 1, 0.1);
        var base = new ModelState("", random(random), random(random), 0, 1, 0.1);

        float[][] fromStart = fit(sgd, start.params(), start.updaterState(), gradients);
        float[][] fromBase = fit(sgd, base.params(), base.updaterState(), gradients);
        new MomentumRebase(List.of(new MomentumRebase.Block(0, 0, N, 0.9, nesterov)))
                .apply(fromStart[0], fromStart[1], start, base, gradients.length, 0.1);

        assertArrayEquals(fromBase[0], fromStart[0], 1e-4f, "parameters");
        assertArrayEquals(fromBase[1], fromStart[1], 1e-4f, "momentum buffer");
    }

    @Test
    void withoutTheUpdaterStateOnlyTheParametersMove() {
        var random = new Random(3);
        var start = new ModelState("", random(random), random(random), 0, 1, 0.1);
        var base = new ModelState("", random(random), random(random), 0, 1, 0.1);
        float[] params = random(random);
        float[] expected = params.clone();
        for (int i = 0; i < N; i++) {
            expected[i] += base.params()[i] - start.params()[i];
        }
        new MomentumRebase(List.of(new MomentumRebase.Block(0, 0, N, 0.9, true)))
                .apply(params, new float[0], start, base, 4, 0.1);
        assertArrayEquals(expected, params, 1e-6f);
    }

    @Test
    void aDenseNetsBuffersAreMatchedToItsParameters() {
        var optimizer = new Optimizer("nesterovs", 0.9, 1e-4, WeightDecay.L2, LearningRateSchedule.constant(0.1, 1));
        var net = new DenseNet("tiny", new Volume(8, 8, 3), 3, 4, List.of(2, 2), true, 0.5, 6, false, 0);
        var graph = new ComputationGraph(GraphBuilder.build(net.architecture(), optimizer, 1));
        graph.init();
        var blocks = MomentumRebase.of(graph).blocks();
        assertEquals(graph.getUpdater(true).getStateViewArray().length(),
                blocks.stream().mapToInt(MomentumRebase.Block::length).sum(), "every buffer value has its parameter");
        for (var block : blocks) {
            assertEquals(0.9, block.momentum());
            assertTrue(block.nesterov());
            assertTrue(block.paramOffset() + block.length() <= graph.numParams());
        }
    }
}
