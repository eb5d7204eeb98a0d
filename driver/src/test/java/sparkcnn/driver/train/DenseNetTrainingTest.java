package sparkcnn.driver.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import sparkcnn.driver.FashionMnist;
import sparkcnn.driver.data.IdxDataSource;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.kernels.arch.DenseNet;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.data.ExampleBlock;
import sparkcnn.kernels.net.GraphBuilder;
import sparkcnn.kernels.optim.Optimizer;
import sparkcnn.kernels.train.ModelState;
import sparkcnn.kernels.train.RoundResult;
import sparkcnn.kernels.train.WorkerStep;

/** A DenseNet-BC learns from real images: 200 iterations on a small Fashion-MNIST subset lower its loss. */
class DenseNetTrainingTest {

    @Test
    void aSmallDenseNetBcLowersItsLossOnRealImages() {
        FashionMnist.require();
        NativeBackend.init(2);
        var data = new IdxDataSource(FashionMnist.TRAIN_IMAGES, FashionMnist.TRAIN_LABELS,
                new HadoopConf(new Configuration()), 320);
        ExampleBlock block = data.read(data.ranges(1).get(0));
        // DenseNet-BC, L = 16 (2 bottleneck layers per block), k = 8, theta = 0.5: 28 -> 14 -> 7 -> global pool
        var net = DenseNet.cifar(16, 8, true, 0.5, new Volume(28, 28, 1), 10, 0).architecture();
        var graph = new ComputationGraph(GraphBuilder.build(net, Optimizer.constant("adam", 3e-3, 0, 0), 3));
        graph.init();
        ModelState state = ModelState.of(graph);

        List<Double> losses = new ArrayList<>();
        for (int epoch = 0; epoch < 10; epoch++) { // 10 passes x 20 minibatches of 16 = 200 iterations
            int[] order = WorkerStep.epochOrder(block, 1, epoch);
            RoundResult r = WorkerStep.fit(state, block, order, 0, block.size(), 16, 10);
            state = state.withWeights(r.paramSum(), r.updaterSum(), state.iteration() + r.minibatches());
            losses.add(r.meanLoss());
        }
        assertTrue(losses.get(9) < 0.7 * losses.get(0), "loss per pass: " + losses);
    }
}
