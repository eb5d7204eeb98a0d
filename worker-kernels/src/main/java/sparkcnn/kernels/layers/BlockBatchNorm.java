package sparkcnn.kernels.layers;

import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.BETA;
import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GAMMA;
import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GLOBAL_LOG_STD;
import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GLOBAL_MEAN;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One BN-ReLU of a dense block: its parameters are the block's ({@code layer3_bn1_gamma}...). A
 * layer's first batch norm reads the block's maps where they lie, with the block's statistics
 * ({@link ChannelsLastBatchNormReluKernel}); a bottleneck's second reads the dense 1x1 convolution
 * output ({@link DenseBatchNorm}). The last training pass's batch statistics stay for backward,
 * and for recomputing the output there.
 */
final class BlockBatchNorm {
    private final DenseBlockLayer block;
    private final String part;
    private final int channels;
    private final DenseBatchNorm dense;
    private float[] batchMean;
    private float[] batchVar;

    BlockBatchNorm(DenseBlockLayer block, String part, int channels) {
        this.block = block;
        this.part = part;
        this.channels = channels;
        this.dense = new DenseBatchNorm(block.layerId() + " " + part, block.layerConf().getEps(), true);
    }

    /**
     * y = ReLU(BN(x)) of block maps [0, c): when training, with their batch statistics, the block's
     * (measured when the maps were written); otherwise with the running statistics.
     */
    void forward(BlockStatistics statistics, ChannelRows x, FloatBuffer y, int rows) {
        if (statistics == null) {
            ChannelsLastBatchNormReluKernel.forwardInference(x, y, rows, channels, vector(GAMMA), vector(BETA),
                    vector(GLOBAL_MEAN), runningVariance(), block.layerConf().getEps(), true);
            return;
        }
        batchMean = statistics.mean(channels);
        batchVar = statistics.variance(channels);
        recompute(x, y, rows);
    }

    /** The last training forward's output of block maps again, bit for bit: the same input, statistics and kernel. */
    void recompute(ChannelRows x, FloatBuffer y, int rows) {
        ChannelsLastBatchNormReluKernel.forwardInference(x, y, rows, channels, vector(GAMMA), vector(BETA),
                trainedMean(), batchVar, block.layerConf().getEps(), true);
    }

    /**
     * Backward of block maps [0, c): adds this reader's part of their gradient to {@code gradients}
     * (that of the maps it reads last to {@code lastRead}, with the maps) and leaves the rest with the
     * block's statistics.
     */
    void backward(BlockStatistics statistics, ChannelRows x, FloatBuffer dy, ChannelRows gradients,
                  PendingMaps lastRead, int rows) {
        float[] dgamma = new float[channels];
        float[] dbeta = new float[channels];
        float[] gamma = vector(GAMMA), beta = vector(BETA);
        double eps = block.layerConf().getEps();
        ChannelsLastBatchNormReluKernel.backwardAdding(x, dy, gradients, lastRead, rows, channels, gamma, beta,
                trainedMean(), batchVar, eps, dgamma, dbeta);
        statistics.defer(ChannelsLastBatchNormReluKernel.Scale.of(gamma, beta, batchMean, batchVar, eps).a(), dbeta, dgamma);
        writeGradients(dgamma, dbeta, rows);
    }

    /** y = ReLU(BN(x)) of a dense array: batch statistics when training (kept), running statistics otherwise. */
    void forward(boolean training, INDArray x, INDArray y) {
        if (training) {
            batchMean = new float[channels];
            batchVar = new float[channels];
            dense.forwardTraining(x, y, vector(GAMMA), vector(BETA), batchMean, batchVar);
        } else {
            dense.forward(x, y, vector(GAMMA), vector(BETA), vector(GLOBAL_MEAN), runningVariance());
        }
    }

    /** The last training forward's output of a dense array again. */
    void recompute(INDArray x, INDArray y) {
        dense.forward(x, y, vector(GAMMA), vector(BETA), trainedMean(), batchVar);
    }

    /** Backward of a dense array x into dx (which may be dy's own array). */
    void backward(INDArray x, INDArray dy, INDArray dx) {
        float[] dgamma = new float[channels];
        float[] dbeta = new float[channels];
        dense.backward(x, dy, dx, vector(GAMMA), vector(BETA), trainedMean(), batchVar, dgamma, dbeta);
        writeGradients(dgamma, dbeta, x.length() / channels);
    }

    private float[] runningVariance() {
        return RunningStatistics.variance(param(GLOBAL_LOG_STD), true);
    }

    private void writeGradients(float[] dgamma, float[] dbeta, long valuesPerChannel) {
        RunningStatistics.assign(gradient(GAMMA), dgamma);
        RunningStatistics.assign(gradient(BETA), dbeta);
        RunningStatistics.writeUpdates(block.layerConf().getDecay(), true, param(GLOBAL_MEAN), param(GLOBAL_LOG_STD),
                batchMean, batchVar, valuesPerChannel, gradient(GLOBAL_MEAN), gradient(GLOBAL_LOG_STD));
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
