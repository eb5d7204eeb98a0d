package sparkcnn.kernels.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static sparkcnn.kernels.layers.BatchNormReluTest.assertClose;
import static sparkcnn.kernels.layers.BatchNormReluTest.batch;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;

/** Two graphs of the same parameters, DL4J's layers and ours: same score and gradients, same training. */
final class Agreement {
    private Agreement() {
    }

    /** Gives {@code ours} the parameters of {@code theirs}, then compares score and gradients on {@code data}. */
    static void assertSameGradients(ComputationGraph theirs, ComputationGraph ours, DataSet data, double tolerance) {
        ours.setParams(theirs.params().dup());
        for (ComputationGraph g : new ComputationGraph[] {theirs, ours}) {
            g.setInput(0, data.getFeatures());
            g.setLabels(data.getLabels());
            g.computeGradientAndScore();
        }
        assertEquals(theirs.score(), ours.score(), tolerance);
        assertClose(theirs.gradient().gradient(), ours.gradient().gradient(), tolerance);
    }

    /** {@code steps} updates of both on the same minibatches end at the same parameters. */
    static void assertSameTraining(ComputationGraph theirs, ComputationGraph ours, int steps, double tolerance) {
        assertSameTraining(theirs, ours, java.util.stream.IntStream.range(0, steps).mapToObj(step -> batch(20 + step))
                .toList(), tolerance);
    }

    /** An update of both on each of {@code batches} ends at the same parameters. */
    static void assertSameTraining(ComputationGraph theirs, ComputationGraph ours, java.util.List<DataSet> batches,
                                   double tolerance) {
        for (DataSet next : batches) {
            theirs.fit(next);
            ours.fit(next);
        }
        assertClose(theirs.params(), ours.params(), tolerance);
    }
}
