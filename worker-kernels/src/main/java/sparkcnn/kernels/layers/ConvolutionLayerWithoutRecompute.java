package sparkcnn.kernels.layers;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The running layer of {@link Convolution}: oneDNN's backward straight from the incoming gradient. */
public class ConvolutionLayerWithoutRecompute extends ConvolutionLayer {

    public ConvolutionLayerWithoutRecompute(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** Where DL4J's own path is kept: a real activation, oneDNN absent or failed, NHWC, SAME padding. */
    private boolean needsDl4jsPath() {
        var conf = layerConf();
        return !(helper instanceof MKLDNNConvHelper) || helperCountFail > 0
                || !(conf.getActivationFn() instanceof ActivationIdentity)
                || conf.getCnn2dDataFormat() != CNN2DFormat.NCHW || conf.getConvolutionMode() == ConvolutionMode.Same;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (needsDl4jsPath()) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        assertInputSet(true);
        INDArray weights = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, true, workspaceMgr);
        INDArray bias = getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, true, workspaceMgr);
        var conf = layerConf();
        Pair<Gradient, INDArray> result = helper.backpropGradient(input.castTo(dataType), weights, bias,
                epsilon.castTo(dataType), conf.getKernelSize(), conf.getStride(), conf.getPadding(),
                gradientViews.get(ConvolutionParamInitializer.BIAS_KEY),
                gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY), conf.getActivationFn(),
                conf.getCudnnAlgoMode(), conf.getCudnnBwdFilterAlgo(), conf.getCudnnBwdDataAlgo(),
                conf.getConvolutionMode(), conf.getDilation(), conf.getCnn2dDataFormat(), workspaceMgr);
        if (result == null) { // oneDNN declined (not float): DL4J's way
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        result.setSecond(backpropDropOutIfPresent(result.getSecond()));
        return result;
    }
}
