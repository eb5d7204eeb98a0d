package sparkcnn.kernels.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import sparkcnn.kernels.arch.DenseNet;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.net.GraphBuilder;

/**
 * The optimizers take PyTorch's steps: a tiny DenseNet-BC (stem convolution, two dense blocks of
 * bottleneck layers, a transition with its pool, batch norms, global pooling, a fully connected
 * classifier) from the same initial weights, on the same 10 minibatches, gives PyTorch's loss and
 * parameters after every step, for SGD with Nesterov momentum and L2 decay through a rate drop, for
 * Adam with L2 decay and for AdamW (decoupled decay); and its batch norms' running statistics (momentum
 * 0.1, eps 1e-5, the unbiased batch variance) and so its evaluation loss are PyTorch's after those
 * steps. The references come from
 * {@code bench/peer/optim_reference.py} (checked in as data, so no PyTorch is needed here).
 */
class OptimizerAgreementTest {
    /** Relative agreement asked of every loss and parameter tensor at every step. */
    private static final double TOLERANCE = 1e-4;
    private static JsonNode reference;

    @BeforeAll
    static void load() throws IOException {
        NativeBackend.init(2);
        try (InputStream in = new GZIPInputStream(OptimizerAgreementTest.class.getResourceAsStream(
                "/sparkcnn/optim/pytorch-steps.json.gz"))) {
            reference = new ObjectMapper().readTree(in);
        }
    }

    @Test
    void sgdWithNesterovMomentumAndL2DecayStepsAsPyTorchThroughARateDrop() {
        agree("sgd-nesterov-l2", Optimizer.constant("nesterovs", 0.1, 0.9, 1e-4));
    }

    @Test
    void adamWithL2DecayStepsAsPyTorch() {
        agree("adam-l2", Optimizer.constant("adam", 0.001, 0, 1e-4));
    }

    @Test
    void adamWithDecoupledDecayStepsAsPyTorchsAdamW() {
        var constant = Optimizer.constant("adam", 0.01, 0, 0.01);
        agree("adamw", new Optimizer("adam", 0, 0.01, WeightDecay.DECOUPLED, constant.schedule()));
    }

    private static void agree(String name, Optimizer optimizer) {
        JsonNode steps = reference.at("/cases/" + name + "/steps");
        ComputationGraph graph = graph(optimizer);
        double worst = 0;
        for (int i = 0; i < steps.size(); i++) {
            JsonNode expected = steps.get(i);
            Optimizer.setRate(graph, expected.get("lr").asDouble());
            double regularisation = graph.calcRegularizationScore(true); // DL4J adds it to the score; PyTorch's loss has none
            graph.fit(batch(reference.at("/batches/" + i)));
            double loss = graph.score() - regularisation;
            String step = name + " step " + (i + 1);
            assertEquals(expected.get("loss").asDouble(), loss, TOLERANCE * Math.abs(expected.get("loss").asDouble()),
                    step + ": loss");
            var params = expected.get("params").fields();
            while (params.hasNext()) {
                var e = params.next();
                worst = Math.max(worst, assertClose(values(e.getValue()), graph.getParam(e.getKey()), step + ": " + e.getKey()));
            }
        }
        System.out.printf("%s: %d steps, worst relative parameter difference %.2e%n", name, steps.size(), worst);
        var running = reference.at("/cases/" + name + "/running_statistics").fields();
        while (running.hasNext()) {
            var e = running.next();
            assertClose(values(e.getValue()), graph.getParam(e.getKey()), name + " after the steps: " + e.getKey());
        }
        DataSet first = batch(reference.at("/batches/0"));
        INDArray probabilities = graph.outputSingle(false, first.getFeatures());
        double evalLoss = -Transforms.log(probabilities.mul(first.getLabels()).sum(1)).meanNumber().doubleValue();
        double expected = reference.at("/cases/" + name + "/eval_loss_first_batch").asDouble();
        assertEquals(expected, evalLoss, TOLERANCE * expected, name + ": the loss with the running statistics");
    }

    /** The same network with the reference's initial weights. */
    private static ComputationGraph graph(Optimizer optimizer) {
        var net = new DenseNet("tiny", new Volume(8, 8, 3), 3, 4, List.of(2, 2), true, 0.5, 6, false, 0);
        var graph = new ComputationGraph(GraphBuilder.build(net.architecture(), optimizer, 1));
        graph.init();
        assertEquals(graph.paramTable().keySet(), iterable(reference.get("initial").fieldNames()),
                "the reference names every parameter of the graph");
        reference.get("initial").fields().forEachRemaining(e ->
                graph.getParam(e.getKey()).assign(Nd4j.createFromArray(values(e.getValue()))
                        .reshape(graph.getParam(e.getKey()).shape())));
        return graph;
    }

    private static java.util.Set<String> iterable(java.util.Iterator<String> names) {
        var set = new java.util.TreeSet<String>();
        names.forEachRemaining(set::add);
        return set;
    }

    private static DataSet batch(JsonNode batch) {
        long[] shape = new long[batch.get("x_shape").size()];
        for (int d = 0; d < shape.length; d++) {
            shape[d] = batch.get("x_shape").get(d).asLong();
        }
        INDArray x = Nd4j.createFromArray(values(batch.get("x"))).reshape(shape);
        JsonNode labels = batch.get("labels");
        INDArray y = Nd4j.zeros(DataType.FLOAT, labels.size(), 3);
        for (int i = 0; i < labels.size(); i++) {
            y.putScalar(i, labels.get(i).asInt(), 1);
        }
        return new DataSet(x, y);
    }

    private static float[] values(JsonNode array) {
        float[] v = new float[array.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) array.get(i).asDouble();
        }
        return v;
    }

    /** A tensor's relative difference, ||a - b|| / ||b||, at most {@link #TOLERANCE}; returns it. */
    private static double assertClose(float[] expected, INDArray actual, String what) {
        float[] got = actual.dup().data().asFloat();
        assertEquals(expected.length, got.length, what + ": length");
        double norm = 0;
        double diff = 0;
        for (int i = 0; i < expected.length; i++) {
            norm += (double) expected[i] * expected[i];
            diff += ((double) expected[i] - got[i]) * ((double) expected[i] - got[i]);
        }
        double relative = Math.sqrt(diff / norm);
        assertTrue(relative <= TOLERANCE, what + ": relative difference " + relative);
        return relative;
    }
}
