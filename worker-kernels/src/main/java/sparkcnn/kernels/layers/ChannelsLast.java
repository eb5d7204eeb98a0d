package sparkcnn.kernels.layers;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.preprocessor.BaseInputPreProcessor;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Turns the network's NCHW images into NHWC once, at the input, so that every layer after it
 * computes channels-last (oneDNN's fastest layout) and no layer reorders. Its gradient goes back to NCHW.
 */
public class ChannelsLast extends BaseInputPreProcessor {

    @Override
    public INDArray preProcess(INDArray input, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
        return workspaceMgr.dup(ArrayType.ACTIVATIONS, input.permute(0, 2, 3, 1), 'c');
    }

    /** The images' gradient back in NCHW, where the layer computed one (see {@link Convolution#isInputGradient}). */
    @Override
    public INDArray backprop(INDArray output, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
        return output == null ? null : workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, output.permute(0, 3, 1, 2), 'c');
    }

    @Override
    public InputType getOutputType(InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeConvolutional c) || c.getFormat() != CNN2DFormat.NCHW) {
            throw new IllegalArgumentException("ChannelsLast takes NCHW images, got " + inputType);
        }
        return InputType.convolutional(c.getHeight(), c.getWidth(), c.getChannels(), CNN2DFormat.NHWC);
    }

    @Override
    public ChannelsLast clone() {
        return new ChannelsLast();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelsLast;
    }

    @Override
    public int hashCode() {
        return ChannelsLast.class.hashCode();
    }
}
