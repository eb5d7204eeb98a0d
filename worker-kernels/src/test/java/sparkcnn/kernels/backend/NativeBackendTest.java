package sparkcnn.kernels.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import sparkcnn.kernels.arch.PatternNet;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.net.GraphBuilder;
import sparkcnn.kernels.optim.Optimizer;

class NativeBackendTest {

    @Test
    void oneDnnBuildIsLoadedAndThreadsAreSet() {
        BackendInfo info = NativeBackend.init(1);
        assertTrue(info.builtWithOneDnn(), "the native library must be ND4J's oneDNN build: " + info.describe());
        assertTrue(info.oneDnnHelpersActive(), info.describe());
        assertEquals(1, info.threads());
        assertEquals("CPU", info.device());
    }

    /** OpenMP's thread count is per thread: a worker thread that calls init after another computes on its own count. */
    @Test
    void everyThreadThatCallsInitComputesOnTheWorkersThreads() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() > 1,
                "one core: OpenMP's default is already one thread");
        NativeBackend.init(1);
        var nativeOps = org.nd4j.nativeblas.NativeOpsHolder.getInstance().getDeviceNativeOps();
        int[] seen = new int[2];
        Thread task = new Thread(() -> {
            seen[0] = nativeOps.ompGetMaxThreads(); // a thread of its own: OpenMP's default, the machine's cores
            NativeBackend.init(1);
            seen[1] = nativeOps.ompGetMaxThreads();
        });
        task.start();
        task.join();
        assertEquals(Runtime.getRuntime().availableProcessors(), seen[0]);
        assertEquals(1, seen[1]);
    }

    @Test
    void convolutionAndPoolingLayersRunThroughOneDnnHelpers() {
        NativeBackend.init(1);
        var net = new PatternNet(new Volume(12, 12, 1), List.of(new PatternNet.Stage(1, 4, 3, true)), List.of(), 3);
        var graph = new ComputationGraph(GraphBuilder.build(net.input(), net.layers(), Optimizer.constant("sgd", 0.1, 0, 0), 7));
        graph.init();
        graph.fit(new DataSet(Nd4j.rand(2, 1, 12, 12), Nd4j.eye(3).getRows(0, 1)));

        var conv = (ConvolutionLayer) graph.getLayer("stage1_conv1");
        var pool = (SubsamplingLayer) graph.getLayer("stage1_pool");
        assertNotNull(conv.getHelper(), "conv layer has no helper: DL4J fell back to im2col");
        assertEquals(MKLDNNConvHelper.class, conv.getHelper().getClass());
        assertEquals(MKLDNNSubsamplingHelper.class, pool.getHelper().getClass());
    }
}
