package sparkcnn.kernels.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import sparkcnn.kernels.arch.PatternNet;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.data.ExampleBlock;
import sparkcnn.kernels.net.GraphBuilder;
import sparkcnn.kernels.optim.Optimizer;

class WorkerStepTest {
    private static final PatternNet NET = new PatternNet(new Volume(8, 8, 1),
            List.of(new PatternNet.Stage(1, 4, 3, true)), List.of(16), 2);

    @BeforeAll
    static void backend() {
        NativeBackend.init(1);
    }

    private static ModelState freshState() {
        var graph = new ComputationGraph(GraphBuilder.build(NET.input(), NET.layers(), Optimizer.constant("adam", 0.01, 0, 0), 3));
        graph.init();
        return ModelState.of(graph);
    }

    /** Two classes that a conv net tells apart easily: bright top half or bright bottom half. */
    private static ExampleBlock halves(int n, long seed) {
        var random = new Random(seed);
        byte[] pixels = new byte[n * 64];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = random.nextInt(2);
            for (int p = 0; p < 64; p++) {
                boolean top = p < 32;
                pixels[i * 64 + p] = (byte) ((top == (labels[i] == 0)) ? 200 + random.nextInt(50) : random.nextInt(50));
            }
        }
        return ExampleBlock.contiguous(0, new Volume(8, 8, 1), pixels, labels);
    }

    @Test
    void aBorrowedNetworkHoldsExactlyTheStateItWasGiven() {
        ModelState state = freshState();
        float[] shifted = state.params().clone();
        shifted[0] += 1;
        ModelState changed = state.withWeights(shifted, state.updaterState(), 17);
        ComputationGraph graph = WorkerNets.borrow(changed);
        assertArrayEquals(shifted, graph.params().toFloatVector());
        assertEquals(17, graph.getConfiguration().getIterationCount());
        WorkerNets.release(changed, graph);
    }

    @Test
    void fittingIsDeterministicChangesParamsAndUpdaterAndLowersLoss() {
        ModelState start = freshState();
        ExampleBlock block = halves(640, 1);
        RoundResult first = WorkerStep.fit(start, block, block.storedOrder(), 0, 640, 32, 2);
        RoundResult again = WorkerStep.fit(start, block, block.storedOrder(), 0, 640, 32, 2);
        assertArrayEquals(first.paramSum(), again.paramSum(), 1e-6f);
        assertFalse(Arrays.equals(start.params(), first.paramSum()));
        assertEquals(start.updaterState().length, first.updaterSum().length);
        assertEquals(20, first.minibatches());

        ModelState after = start.withWeights(first.paramSum(), first.updaterSum(), 20);
        RoundResult second = WorkerStep.fit(after, block, block.storedOrder(), 0, 640, 32, 2);
        assertTrue(second.meanLoss() < 0.5 * first.meanLoss(),
                "loss should fall on an easy task: " + first.meanLoss() + " then " + second.meanLoss());
    }

    @Test
    void theStatesLearningRateIsTheOneUsed() {
        ModelState start = freshState();
        assertEquals(0.01, start.learningRate(), 1e-12);
        ExampleBlock block = halves(64, 2);
        RoundResult frozen = WorkerStep.fit(start.withLearningRate(0), block, block.storedOrder(), 0, 64, 32, 2);
        // (within float rounding: DL4J still applies a zero-sized update)
        assertArrayEquals(start.params(), frozen.paramSum(), 1e-6f, "learning rate 0 must leave the weights alone");
        RoundResult moved = WorkerStep.fit(start, block, block.storedOrder(), 0, 64, 32, 2);
        assertTrue(AveragingMath.maxAbsDiff(start.params(), moved.paramSum()) > 1e-3);
    }

    /** A round of 5 minibatches with a midway step is its first 3, that step, then its last 2. */
    @Test
    void theMidwayStepActsOnceAfterTheFirstHalfOfTheMinibatches() {
        ModelState start = freshState();
        ExampleBlock block = halves(160, 3);
        var pre = sparkcnn.kernels.data.Preprocessing.scaleOnly(1);
        int[] calls = {0};
        RoundResult whole = WorkerStep.fit(start, block, block.storedOrder(), 0, 160, 32, 2, pre, 9, graph -> {
            calls[0]++;
            graph.params().addi(0.01);
        });
        assertEquals(1, calls[0]);

        RoundResult firstHalf = WorkerStep.fit(start, block, block.storedOrder(), 0, 96, 32, 2, pre, 9);
        float[] moved = firstHalf.paramSum().clone();
        for (int i = 0; i < moved.length; i++) {
            moved[i] += 0.01f;
        }
        ModelState middle = start.withWeights(moved, firstHalf.updaterSum(), start.iteration() + 3);
        RoundResult secondHalf = WorkerStep.fit(middle, block, block.storedOrder(), 96, 160, 32, 2, pre, 9);
        assertArrayEquals(secondHalf.paramSum(), whole.paramSum(), 1e-6f);
        assertArrayEquals(secondHalf.updaterSum(), whole.updaterSum(), 1e-6f);
    }

    /** Largest elementwise difference. */
    static final class AveragingMath {
        static double maxAbsDiff(float[] a, float[] b) {
            double max = 0;
            for (int i = 0; i < a.length; i++) {
                max = Math.max(max, Math.abs(a[i] - b[i]));
            }
            return max;
        }
    }

    @Test
    void roundResultsAverageElementwise() {
        var a = new RoundResult(new float[] {1, 2}, new float[] {4}, 1, 1.0, 2, 10, 0.5);
        var b = new RoundResult(new float[] {3, 6}, new float[] {0}, 1, 3.0, 2, 10, 0.7);
        RoundResult sum = a.plus(b).plus(RoundResult.empty());
        assertArrayEquals(new float[] {2, 4}, sum.averageParams());
        assertArrayEquals(new float[] {2}, sum.averageUpdaterState());
        assertEquals(1.0, sum.meanLoss(), 1e-12);
        assertEquals(20, sum.examples());
        assertEquals(0.7, sum.fitSeconds(), 1e-12); // the slowest worker sets the pace
    }
}
