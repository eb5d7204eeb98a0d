package sparkcnn.kernels.layers;

import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.BETA;
import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GAMMA;
import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GLOBAL_LOG_STD;
import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GLOBAL_MEAN;
import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GLOBAL_VAR;

import java.nio.FloatBuffer;
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

/**
 * The running layer of {@link BatchNormRelu}: float activations through {@link BatchNormReluKernel}
 * (NCHW) or {@link ChannelsLastBatchNormReluKernel} (NHWC).
 */
public class BatchNormReluLayer extends BatchNormalization {
    /** The last training forward's batch statistics, for backward. */
    private float[] batchMean;
    private float[] batchVar;

    public BatchNormReluLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private BatchNormRelu config() {
        return (BatchNormRelu) conf().getLayer();
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        INDArray x = Plain.of(input);
        var shape = shape(x);
        INDArray y = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, x.shape(), 'c');
        FloatBuffer xs = Plain.floats(x);
        FloatBuffer ys = Plain.floats(y);
        BatchNormRelu conf = config();
        if (training) {
            batchMean = new float[shape.c()];
            batchVar = new float[shape.c()];
            if (channelsLast()) {
                ChannelsLastBatchNormReluKernel.forwardTraining(xs, ys, shape.values(), shape.c(),
                        vector(GAMMA), vector(BETA), conf.getEps(), conf.isRelu(), batchMean, batchVar);
            } else {
                BatchNormReluKernel.forwardTraining(xs, ys, shape, vector(GAMMA), vector(BETA),
                        conf.getEps(), conf.isRelu(), batchMean, batchVar);
            }
        } else {
            if (channelsLast()) {
                ChannelsLastBatchNormReluKernel.forwardInference(xs, ys, shape.values(), shape.c(),
                        vector(GAMMA), vector(BETA), vector(GLOBAL_MEAN), runningVariance(), conf.getEps(), conf.isRelu());
            } else {
                BatchNormReluKernel.forwardInference(xs, ys, shape, vector(GAMMA), vector(BETA),
                        vector(GLOBAL_MEAN), runningVariance(), conf.getEps(), conf.isRelu());
            }
        }
        return y;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (batchMean == null) {
            throw new IllegalStateException(layerId() + ": backward without a training forward pass");
        }
        INDArray x = Plain.of(input);
        var shape = shape(x);
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, x.shape(), 'c');
        FloatBuffer xs = Plain.floats(x);
        FloatBuffer dys = Plain.floats(Plain.of(epsilon));
        FloatBuffer dxs = Plain.floats(dx);
        float[] dgamma = new float[shape.c()];
        float[] dbeta = new float[shape.c()];
        BatchNormRelu conf = config();
        if (channelsLast()) {
            ChannelsLastBatchNormReluKernel.backward(xs, dys, dxs, shape.values(),
                    shape.c(), vector(GAMMA), vector(BETA), batchMean, batchVar, conf.getEps(), conf.isRelu(), dgamma, dbeta);
        } else {
            BatchNormReluKernel.backward(xs, dys, dxs, shape, vector(GAMMA),
                    vector(BETA), batchMean, batchVar, conf.getEps(), conf.isRelu(), dgamma, dbeta);
        }
        Gradient gradient = new DefaultGradient();
        gradientViews.get(GAMMA).assign(row(dgamma));
        gradientViews.get(BETA).assign(row(dbeta));
        gradient.setGradientFor(GAMMA, gradientViews.get(GAMMA));
        gradient.setGradientFor(BETA, gradientViews.get(BETA));
        runningStatisticUpdates(gradient);
        return new Pair<>(gradient, dx);
    }

    /**
     * DL4J's distributed-safe running averages: the "gradient" of the running statistic is the step
     * that a no-op updater subtracts, {@code mean - (1 - decay)(mean - batchMean)} and the like for
     * log10 std; averaged across workers with every other parameter.
     */
    private void runningStatisticUpdates(Gradient gradient) {
        BatchNormRelu conf = config();
        double decay = conf.getDecay();
        float[] mean = vector(GLOBAL_MEAN);
        float[] deltaMean = new float[mean.length];
        for (int c = 0; c < mean.length; c++) {
            deltaMean[c] = (float) ((1 - decay) * (mean[c] - batchMean[c]));
        }
        gradientViews.get(GLOBAL_MEAN).assign(row(deltaMean));
        gradient.setGradientFor(GLOBAL_MEAN, gradientViews.get(GLOBAL_MEAN));
        if (conf.isUseLogStd()) {
            float[] variance = runningVariance();
            float[] delta = new float[variance.length];
            for (int c = 0; c < variance.length; c++) {
                double next = decay * variance[c] + (1 - decay) * batchVar[c];
                delta[c] = (float) (Math.log(variance[c] / next) * ONE_ON_2LOGE_10);
            }
            gradientViews.get(GLOBAL_LOG_STD).assign(row(delta));
            gradient.setGradientFor(GLOBAL_LOG_STD, gradientViews.get(GLOBAL_LOG_STD));
        } else {
            float[] variance = vector(GLOBAL_VAR);
            float[] delta = new float[variance.length];
            for (int c = 0; c < variance.length; c++) {
                delta[c] = (float) ((1 - decay) * (variance[c] - batchVar[c]));
            }
            gradientViews.get(GLOBAL_VAR).assign(row(delta));
            gradient.setGradientFor(GLOBAL_VAR, gradientViews.get(GLOBAL_VAR));
        }
    }

    private float[] runningVariance() {
        if (!config().isUseLogStd()) {
            return vector(GLOBAL_VAR);
        }
        float[] log10Std = vector(GLOBAL_LOG_STD);
        float[] variance = new float[log10Std.length];
        for (int c = 0; c < variance.length; c++) {
            double std = Math.pow(10, log10Std[c]);
            variance[c] = (float) (std * std);
        }
        return variance;
    }

    private float[] vector(String param) {
        return getParam(param).toFloatVector();
    }

    private INDArray row(float[] values) {
        return org.nd4j.linalg.factory.Nd4j.createFromArray(values).reshape(1, values.length);
    }

    private boolean channelsLast() {
        return config().getCnn2DFormat() == CNN2DFormat.NHWC;
    }

    /** N, C and H x W of NCHW or NHWC activations. */
    private BatchNormReluKernel.Shape shape(INDArray x) {
        if (x.rank() != 4) {
            throw new IllegalStateException(layerId() + ": BN-ReLU takes 4-d activations, got shape "
                    + java.util.Arrays.toString(x.shape()));
        }
        int channelAxis = channelsLast() ? 3 : 1;
        return new BatchNormReluKernel.Shape((int) x.size(0), (int) x.size(channelAxis),
                (int) (x.length() / x.size(0) / x.size(channelAxis)));
    }
}
