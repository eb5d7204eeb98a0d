package sparkcnn.kernels.layers;

import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.BETA;
import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GAMMA;
import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GLOBAL_LOG_STD;
import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GLOBAL_MEAN;
import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GLOBAL_VAR;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The running layer of {@link BatchNormRelu}: float activations through {@link DenseBatchNorm}. */
public class BatchNormReluLayer extends BatchNormalization {
    /** The last training forward's batch statistics, for backward. */
    private float[] batchMean;
    private float[] batchVar;
    private DenseBatchNorm kernel;

    public BatchNormReluLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private BatchNormRelu config() {
        return (BatchNormRelu) conf().getLayer();
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        INDArray x = channelsLast(input);
        int c = (int) x.size(3);
        INDArray y = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, x.shape(), 'c');
        if (training) {
            batchMean = new float[c];
            batchVar = new float[c];
            kernel().forwardTraining(x, y, vector(GAMMA), vector(BETA), batchMean, batchVar);
        } else {
            kernel().forward(x, y, vector(GAMMA), vector(BETA), vector(GLOBAL_MEAN), runningVariance());
        }
        return asConfigured(y, ArrayType.ACTIVATIONS, workspaceMgr);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (batchMean == null) {
            throw new IllegalStateException(layerId() + ": backward without a training forward pass");
        }
        INDArray x = channelsLast(input);
        int c = (int) x.size(3);
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, x.shape(), 'c');
        float[] dgamma = new float[c];
        float[] dbeta = new float[c];
        kernel().backward(x, channelsLast(epsilon), dx, vector(GAMMA), vector(BETA), batchMean, batchVar, dgamma, dbeta);
        Gradient gradient = new DefaultGradient();
        RunningStatistics.assign(gradientViews.get(GAMMA), dgamma);
        RunningStatistics.assign(gradientViews.get(BETA), dbeta);
        gradient.setGradientFor(GAMMA, gradientViews.get(GAMMA));
        gradient.setGradientFor(BETA, gradientViews.get(BETA));
        runningStatisticUpdates(gradient, x.length() / c);
        return new Pair<>(gradient, asConfigured(dx, ArrayType.ACTIVATION_GRAD, workspaceMgr));
    }

    /** DL4J's distributed-safe running averages ({@link RunningStatistics}), averaged with every other parameter. */
    private void runningStatisticUpdates(Gradient gradient, long valuesPerChannel) {
        BatchNormRelu conf = config();
        String stored = conf.isUseLogStd() ? GLOBAL_LOG_STD : GLOBAL_VAR;
        RunningStatistics.writeUpdates(conf.getDecay(), conf.isUseLogStd(), getParam(GLOBAL_MEAN), getParam(stored),
                batchMean, batchVar, valuesPerChannel, gradientViews.get(GLOBAL_MEAN), gradientViews.get(stored));
        gradient.setGradientFor(GLOBAL_MEAN, gradientViews.get(GLOBAL_MEAN));
        gradient.setGradientFor(stored, gradientViews.get(stored));
    }

    private DenseBatchNorm kernel() {
        if (kernel == null) {
            kernel = new DenseBatchNorm(layerId(), config().getEps(), config().isRelu());
        }
        return kernel;
    }

    private float[] runningVariance() {
        BatchNormRelu conf = config();
        return RunningStatistics.variance(getParam(conf.isUseLogStd() ? GLOBAL_LOG_STD : GLOBAL_VAR), conf.isUseLogStd());
    }

    private float[] vector(String param) {
        return Plain.read(getParam(param));
    }

    private boolean isChannelsFirst() {
        return config().getCnn2DFormat() == CNN2DFormat.NCHW;
    }

    /**
     * The activations as a dense NHWC float array, the kernel's layout. A network of this layer in
     * NCHW (saved before the networks computed channels-last) is transposed in and out: correct,
     * not fast; new networks are NHWC throughout.
     */
    private INDArray channelsLast(INDArray a) {
        if (a.rank() != 4) {
            throw new IllegalStateException(layerId() + ": BN-ReLU takes 4-d activations, got shape "
                    + java.util.Arrays.toString(a.shape()));
        }
        if (!isChannelsFirst()) {
            return Plain.of(a);
        }
        try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return a.castTo(DataType.FLOAT).permute(0, 2, 3, 1).dup('c');
        }
    }

    /** {@code nhwc} in the layout the layer is configured for, in the workspace of {@code type}. */
    private INDArray asConfigured(INDArray nhwc, ArrayType type, LayerWorkspaceMgr workspaceMgr) {
        if (!isChannelsFirst()) {
            return nhwc;
        }
        return workspaceMgr.dup(type, nhwc.permute(0, 3, 1, 2), 'c');
    }
}
