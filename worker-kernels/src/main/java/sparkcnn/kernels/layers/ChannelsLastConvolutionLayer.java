package sparkcnn.kernels.layers;

import static org.deeplearning4j.nn.params.ConvolutionParamInitializer.BIAS_KEY;
import static org.deeplearning4j.nn.params.ConvolutionParamInitializer.WEIGHT_KEY;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The running layer of a channels-last {@link Convolution}: oneDNN's own convolution kernels on
 * NHWC activations ({@link OneDnnConvolution}), read and written in place in ND4J's arrays.
 * oneDNN's fastest CPU kernels take NHWC directly, so a network that stays NHWC pays no reorder per
 * call; libnd4j's conv op reorders NCHW activations to and from the kernel's layout on every call,
 * which cost more than the convolutions themselves (bench/results/conv-layouts.md). A ReLU
 * activation runs as oneDNN's post-op forward; backward does not run the forward again.
 */
public class ChannelsLastConvolutionLayer extends ConvolutionLayer {
    private OneDnnConvolution convolution;
    /** The last forward's output, for the ReLU's gradient. */
    private INDArray output;

    public ChannelsLastConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private boolean relu() {
        return layerConf().getActivationFn() instanceof ActivationReLU;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        INDArray x = Plain.of(input);
        OneDnnConvolution conv = convolution();
        INDArray y = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, conv.outputShape(x.shape()), 'c');
        conv.forward(x, getParam(WEIGHT_KEY), layerConf().hasBias() ? getParam(BIAS_KEY) : null, y);
        output = training && relu() ? y : null;
        return y;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray x = Plain.of(input);
        INDArray dy = epsilon.castTo(DataType.FLOAT);
        if (relu()) {
            if (output == null) {
                throw new IllegalStateException(layerId() + ": backward without a training forward pass");
            }
            dy = new ActivationReLU().backprop(output.dup(), dy).getFirst(); // y > 0 exactly where the input to ReLU was
        }
        INDArray dx = ((Convolution) layerConf()).isInputGradient()
                ? workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, x.shape(), 'c') : null;
        INDArray dWeights = gradientViews.get(WEIGHT_KEY);
        INDArray dBias = layerConf().hasBias() ? gradientViews.get(BIAS_KEY) : null;
        convolution().backward(x, Plain.of(dy), getParam(WEIGHT_KEY), dx, dWeights, dBias);
        Gradient gradient = new DefaultGradient();
        if (dBias != null) {
            gradient.setGradientFor(BIAS_KEY, dBias);
        }
        gradient.setGradientFor(WEIGHT_KEY, dWeights, 'c');
        output = null;
        return new Pair<>(gradient, dx);
    }

    private OneDnnConvolution convolution() {
        if (convolution == null) {
            var conf = layerConf();
            convolution = new OneDnnConvolution(new OneDnnConvolution.Kernel(layerId(), conf.getNIn(), conf.getNOut(),
                    conf.getKernelSize(), conf.getStride(), conf.getPadding(), conf.hasBias(), relu()), ((Convolution) conf).isSplitBatch());
        }
        return convolution;
    }
}
