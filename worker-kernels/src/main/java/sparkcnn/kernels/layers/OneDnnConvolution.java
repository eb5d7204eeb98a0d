package sparkcnn.kernels.layers;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One convolution on oneDNN's own kernels over dense NHWC float activations, read and written in
 * place in ND4J's arrays; weights in DL4J's OIHW, reordered to the kernel's layout once per pass.
 * Primitives are made once per input shape (the last minibatch of an epoch may be smaller). A
 * ReLU runs as a post-op of the forward pass. Used by {@link ChannelsLastConvolutionLayer} and by
 * each composite layer of a {@link DenseBlockLayer}.
 */
final class OneDnnConvolution {
    private static final memory.format_tag NHWC = memory.format_tag.nhwc;
    private static final memory.format_tag OIHW = memory.format_tag.oihw;
    private static final memory.format_tag ANY = memory.format_tag.any;

    /**
     * The convolution: {@code in} to {@code out} channels, kernel, stride and padding (height,
     * width), with or without a bias and a ReLU; {@code owner} names it in errors.
     */
    record Kernel(String owner, long in, long out, int[] size, int[] stride, int[] padding, boolean bias, boolean relu) {
    }

    private final Kernel kernel;
    private final Map<List<Long>, Primitives> primitives = new HashMap<>();
    private stream stream;

    OneDnnConvolution(Kernel kernel) {
        this.kernel = kernel;
    }

    /** The NHWC output shape for an NHWC input; DL4J's size (floor). */
    long[] outputShape(long[] nhwc) {
        return primitivesFor(nhwc).outputShape;
    }

    /** y = conv(x, w) + bias, with the ReLU when configured; bias may be null when there is none. */
    void forward(INDArray x, INDArray w, INDArray bias, INDArray y) {
        Primitives p = primitivesFor(x.shape());
        KernelClock.time("convolution forward (oneDNN, NHWC)", () -> {
            p.weightsToForward.execute(stream, OneDnn.point(p.weights, w), p.forwardWeights);
            OneDnn.point(p.src, x);
            OneDnn.point(p.dst, y);
            if (p.bias != null) {
                OneDnn.point(p.bias, bias);
            }
            p.forward.execute(stream, p.forwardArgs);
            stream._wait();
        });
    }

    /**
     * dx and dw (and dBias where there is a bias) from x and dy, the gradient after any ReLU; dx may be
     * null where no one reads the input's gradient.
     */
    void backward(INDArray x, INDArray dy, INDArray w, INDArray dx, INDArray dw, INDArray dBias) {
        Primitives p = primitivesFor(x.shape());
        KernelClock.time("convolution backward (oneDNN, NHWC)", () -> {
            OneDnn.point(p.src, x);
            OneDnn.point(p.diffDst, dy);
            if (p.bias != null) {
                OneDnn.point(p.bias, dBias);
            }
            if (dx != null) {
                OneDnn.point(p.diffSrc, dx);
                p.weightsToBackward.execute(stream, OneDnn.point(p.weights, w), p.dataWeights);
                p.backwardData.execute(stream, p.dataArgs);
            }
            p.backwardWeights.execute(stream, p.weightsArgs);
            p.diffWeightsToDl4j.execute(stream, p.diffWeights, OneDnn.point(p.weightsGradient, dw));
            stream._wait();
        });
    }

    private Primitives primitivesFor(long[] nhwc) {
        if (nhwc.length != 4) {
            throw new IllegalStateException(kernel.owner() + ": takes NHWC activations, got shape " + Arrays.toString(nhwc));
        }
        if (stream == null) {
            stream = new stream(OneDnn.engine());
        }
        return primitives.computeIfAbsent(Arrays.stream(nhwc).boxed().toList(), k -> new Primitives(nhwc));
    }

    /** oneDNN's descriptions of one input shape's convolution, forward and backward, and their memories. */
    private final class Primitives {
        final long[] outputShape;
        final memory src, dst, diffSrc, diffDst, weights, weightsGradient, bias;
        final memory forwardWeights, dataWeights, diffWeights;
        final convolution_forward forward;
        final convolution_backward_data backwardData;
        final convolution_backward_weights backwardWeights;
        final reorder weightsToForward, weightsToBackward, diffWeightsToDl4j;
        /** Each primitive's arguments, made once: the memories stay, their buffers are set per call. */
        final IntMemoryMap forwardArgs, dataArgs, weightsArgs;

        Primitives(long[] nhwc) {
            Shape g = shape(nhwc);
            outputShape = g.output();
            var engine = OneDnn.engine();
            var srcDesc = OneDnn.desc(g.src(), NHWC);
            var dstDesc = OneDnn.desc(g.dst(), NHWC);
            var anyWeights = OneDnn.desc(g.weights(), ANY);
            var biasDesc = kernel.bias() ? OneDnn.desc(new long[] {g.dst()[1]}, memory.format_tag.x) : null;
            var forwardPd = new convolution_forward.primitive_desc(forwardDesc(g, srcDesc, anyWeights, biasDesc, dstDesc),
                    reluPostOp(), engine);
            var dataPd = new convolution_backward_data.primitive_desc(new convolution_backward_data.desc(algorithm
                    .convolution_direct, srcDesc, anyWeights, dstDesc, g.strides(), g.padLeft(), g.padRight()), engine, forwardPd);
            var weightsPd = new convolution_backward_weights.primitive_desc(
                    weightsDesc(g, srcDesc, anyWeights, biasDesc, dstDesc), engine, forwardPd);
            src = OneDnn.unbound(srcDesc);
            dst = OneDnn.unbound(dstDesc);
            diffSrc = OneDnn.unbound(srcDesc);
            diffDst = OneDnn.unbound(dstDesc);
            weights = OneDnn.unbound(OneDnn.desc(g.weights(), OIHW));
            weightsGradient = OneDnn.unbound(weights.get_desc());
            bias = biasDesc == null ? null : OneDnn.unbound(biasDesc);
            forwardWeights = new memory(forwardPd.weights_desc(), engine);
            dataWeights = new memory(dataPd.weights_desc(), engine);
            diffWeights = new memory(weightsPd.diff_weights_desc(), engine);
            forward = new convolution_forward(forwardPd);
            backwardData = new convolution_backward_data(dataPd);
            backwardWeights = new convolution_backward_weights(weightsPd);
            weightsToForward = reorder(weights.get_desc(), forwardPd.weights_desc());
            weightsToBackward = reorder(weights.get_desc(), dataPd.weights_desc()); // OIHW: DL4J's weights
            diffWeightsToDl4j = reorder(weightsPd.diff_weights_desc(), weights.get_desc());
            forwardArgs = new IntMemoryMap().put(DNNL_ARG_SRC, src).put(DNNL_ARG_WEIGHTS, forwardWeights).put(DNNL_ARG_DST, dst);
            dataArgs = new IntMemoryMap().put(DNNL_ARG_DIFF_DST, diffDst).put(DNNL_ARG_WEIGHTS, dataWeights)
                    .put(DNNL_ARG_DIFF_SRC, diffSrc);
            weightsArgs = new IntMemoryMap().put(DNNL_ARG_SRC, src).put(DNNL_ARG_DIFF_DST, diffDst)
                    .put(DNNL_ARG_DIFF_WEIGHTS, diffWeights);
            if (bias != null) {
                forwardArgs.put(DNNL_ARG_BIAS, bias);
                weightsArgs.put(DNNL_ARG_DIFF_BIAS, bias);
            }
        }
    }

    /** oneDNN's dimensions (NCHW order, whatever the layout) of one input shape's convolution. */
    private record Shape(long[] src, long[] dst, long[] weights, long[] output, long[] strides, long[] padLeft,
                         long[] padRight) {
    }

    /** The convolution of an NHWC input, checked against the kernel; the output size is DL4J's (floor). */
    private Shape shape(long[] nhwc) {
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
        return new Shape(new long[] {n, c, h, w}, new long[] {n, oc, oh, ow}, new long[] {oc, c, k[0], k[1]},
                new long[] {n, oh, ow, oc}, new long[] {s[0], s[1]}, new long[] {pad[0], pad[1]}, padRight);
    }

    private static convolution_forward.desc forwardDesc(Shape g, memory.desc src, memory.desc weights,
                                                        memory.desc bias, memory.desc dst) {
        return bias == null
                ? new convolution_forward.desc(prop_kind.forward_training, algorithm.convolution_direct,
                        src, weights, dst, g.strides(), g.padLeft(), g.padRight())
                : new convolution_forward.desc(prop_kind.forward_training, algorithm.convolution_direct,
                        src, weights, bias, dst, g.strides(), g.padLeft(), g.padRight());
    }

    private static convolution_backward_weights.desc weightsDesc(Shape g, memory.desc src, memory.desc weights,
                                                                 memory.desc bias, memory.desc dst) {
        return bias == null
                ? new convolution_backward_weights.desc(algorithm.convolution_direct, src, weights, dst,
                        g.strides(), g.padLeft(), g.padRight())
                : new convolution_backward_weights.desc(algorithm.convolution_direct, src, weights, bias,
                        dst, g.strides(), g.padLeft(), g.padRight());
    }

    /** The ReLU as a post-op of the forward convolution, where the kernel has one. */
    private primitive_attr reluPostOp() {
        var attributes = new primitive_attr();
        if (kernel.relu()) {
            var ops = new post_ops();
            ops.append_eltwise(1f, algorithm.eltwise_relu, 0f, 0f);
            attributes.set_post_ops(ops);
        }
        return attributes;
    }

    private static reorder reorder(memory.desc from, memory.desc to) {
        var engine = OneDnn.engine();
        return new reorder(new reorder.primitive_desc(engine, from, engine, to));
    }
}
