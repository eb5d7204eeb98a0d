package sparkcnn.kernels.layers;

import java.util.Arrays;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;
import org.bytedeco.dnnl.memory;

/**
 * oneDNN's dimensions (NCHW order, whatever the layout) of one input shape's convolution, and its
 * descriptions forward and backward; the output size is DL4J's (floor).
 */
record ConvolutionShape(long[] src, long[] dst, long[] weights, long[] output, long[] strides, long[] padLeft,
                        long[] padRight) {

    /** The convolution of {@code kernel} over an NHWC input of shape {@code nhwc}, checked against the kernel. */
    static ConvolutionShape of(OneDnnConvolution.Kernel kernel, long[] nhwc) {
        long n = nhwc[0], h = nhwc[1], w = nhwc[2], c = nhwc[3];
        int[] k = kernel.size(), s = kernel.stride(), pad = kernel.padding();
        long oh = (h + 2L * pad[0] - k[0]) / s[0] + 1, ow = (w + 2L * pad[1] - k[1]) / s[1] + 1;
        long oc = kernel.out();
        if (c != kernel.in() || oh < 1 || ow < 1) {
            throw new IllegalStateException(kernel.owner() + ": input " + Arrays.toString(nhwc) + " (NHWC) does not fit "
                    + kernel.in() + " input channels, kernel " + Arrays.toString(k));
        }
        // the right/bottom padding that makes oneDNN's output size exactly DL4J's (floor) one
        long[] padRight = {(oh - 1) * s[0] + k[0] - h - pad[0], (ow - 1) * s[1] + k[1] - w - pad[1]};
        return new ConvolutionShape(new long[] {n, c, h, w}, new long[] {n, oc, oh, ow}, new long[] {oc, c, k[0], k[1]},
                new long[] {n, oh, ow, oc}, new long[] {s[0], s[1]}, new long[] {pad[0], pad[1]}, padRight);
    }

    /** The forward pass, as training runs it; {@code bias} null where there is none. */
    convolution_forward.desc forward(memory.desc src, memory.desc weights, memory.desc bias, memory.desc dst) {
        return bias == null
                ? new convolution_forward.desc(prop_kind.forward_training, algorithm.convolution_direct,
                        src, weights, dst, strides, padLeft, padRight)
                : new convolution_forward.desc(prop_kind.forward_training, algorithm.convolution_direct,
                        src, weights, bias, dst, strides, padLeft, padRight);
    }

    /** The input's gradient. */
    convolution_backward_data.desc backwardData(memory.desc src, memory.desc weights, memory.desc dst) {
        return new convolution_backward_data.desc(algorithm.convolution_direct, src, weights, dst, strides, padLeft,
                padRight);
    }

    /** The weights' (and bias') gradients; {@code bias} null where there is none. */
    convolution_backward_weights.desc backwardWeights(memory.desc src, memory.desc weights, memory.desc bias,
                                                      memory.desc dst) {
        return bias == null
                ? new convolution_backward_weights.desc(algorithm.convolution_direct, src, weights, dst,
                        strides, padLeft, padRight)
                : new convolution_backward_weights.desc(algorithm.convolution_direct, src, weights, bias,
                        dst, strides, padLeft, padRight);
    }
}
