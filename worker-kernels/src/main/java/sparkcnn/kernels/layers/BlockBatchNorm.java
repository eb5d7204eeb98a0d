package sparkcnn.kernels.layers;

import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.BETA;
import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GAMMA;
import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GLOBAL_LOG_STD;
import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GLOBAL_MEAN;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One BN-ReLU of a dense block: its parameters are the block's ({@code layer3_bn1_gamma}...), its
 * kernel {@link ChannelsLastBatchNormReluKernel}; the last training pass's batch statistics stay
 * for backward, and for recomputing its output there.
 */
final class BlockBatchNorm {
    private final DenseBlockLayer block;
    private final String part;
    private final int channels;
    private float[] batchMean;
    private float[] batchVar;

    BlockBatchNorm(DenseBlockLayer block, String part, int channels) {
        this.block = block;
        this.part = part;
        this.channels = channels;
    }

    /** y = ReLU(BN(x)): batch statistics when training (kept), running statistics otherwise. */
    void forward(boolean training, ChannelRows x, FloatBuffer y, int rows) {
        double eps = block.layerConf().getEps();
        if (training) {
            batchMean = new float[channels];
            batchVar = new float[channels];
            ChannelsLastBatchNormReluKernel.forwardTraining(x, y, rows, channels, vector(GAMMA), vector(BETA), eps, true,
                    batchMean, batchVar);
        } else {
            ChannelsLastBatchNormReluKernel.forwardInference(x, y, rows, channels, vector(GAMMA), vector(BETA),
                    vector(GLOBAL_MEAN), RunningStatistics.variance(param(GLOBAL_LOG_STD), true), eps, true);
        }
    }

    /** The last training forward's output again, bit for bit: the same input, statistics and kernel. */
    void recompute(ChannelRows x, FloatBuffer y, int rows) {
        ChannelsLastBatchNormReluKernel.forwardInference(x, y, rows, channels, vector(GAMMA), vector(BETA),
                trainedMean(), batchVar, block.layerConf().getEps(), true);
    }

    /** dx (added to what dx holds with {@code accumulate}); gamma's, beta's and the running statistics' gradients. */
    void backward(ChannelRows x, FloatBuffer dy, ChannelRows dx, boolean accumulate, int rows) {
        float[] dgamma = new float[channels];
        float[] dbeta = new float[channels];
        ChannelsLastBatchNormReluKernel.backward(x, dy, dx, accumulate, rows, channels, vector(GAMMA), vector(BETA),
                trainedMean(), batchVar, block.layerConf().getEps(), true, dgamma, dbeta);
        RunningStatistics.assign(gradient(GAMMA), dgamma);
        RunningStatistics.assign(gradient(BETA), dbeta);
        RunningStatistics.writeUpdates(block.layerConf().getDecay(), true, param(GLOBAL_MEAN), param(GLOBAL_LOG_STD),
                batchMean, batchVar, gradient(GLOBAL_MEAN), gradient(GLOBAL_LOG_STD));
    }

    /** The last training forward's batch mean (its variance is beside it); an error where there was none. */
    private float[] trainedMean() {
        if (batchMean == null) {
            throw new IllegalStateException(block.layerId() + " " + part + ": backward without a training forward pass");
        }
        return batchMean;
    }

    private float[] vector(String param) {
        return Plain.read(param(param));
    }

    private INDArray param(String param) {
        return block.getParam(DenseBlockParams.key(part, param));
    }

    private INDArray gradient(String param) {
        return block.gradientView(DenseBlockParams.key(part, param));
    }
}
