package sparkcnn.kernels.layers;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.deeplearning4j.nn.params.ConvolutionParamInitializer.BIAS_KEY;
import static org.deeplearning4j.nn.params.ConvolutionParamInitializer.WEIGHT_KEY;

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
 * NHWC activations, read and written in place in ND4J's arrays. oneDNN's fastest CPU kernels take
 * NHWC directly, so a network that stays NHWC pays no reorder per call; libnd4j's conv op reorders
 * NCHW activations to and from the kernel's layout on every call, which cost more than the
 * convolutions themselves (bench/results/conv-layouts.md). Only the weights (DL4J's OIHW, small)
 * are reordered, once per pass. A ReLU activation runs as oneDNN's post-op forward; backward
 * does not run the forward again.
 */
public class ChannelsLastConvolutionLayer extends ConvolutionLayer {
    private static final memory.format_tag NHWC = memory.format_tag.nhwc;
    private static final memory.format_tag OIHW = memory.format_tag.oihw;
    private static final memory.format_tag ANY = memory.format_tag.any;

    /** Primitives per input shape (the last minibatch of an epoch may be smaller). */
    private final Map<List<Long>, Primitives> primitives = new HashMap<>();
    private stream stream;
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
        Primitives p = primitivesFor(x);
        INDArray y = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, p.outputShape, 'c');
        KernelClock.time("convolution forward (oneDNN, NHWC)", () -> {
            p.weightsToForward.execute(stream, OneDnn.point(p.weights, weights()), p.forwardWeights);
            OneDnn.point(p.src, x);
            OneDnn.point(p.dst, y);
            if (p.bias != null) {
                OneDnn.point(p.bias, getParam(BIAS_KEY));
            }
            p.forward.execute(stream, p.forwardArgs);
            stream._wait();
        });
        output = training && relu() ? y : null;
        return y;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray x = Plain.of(input);
        Primitives p = primitivesFor(x);
        INDArray dy = epsilon.castTo(DataType.FLOAT);
        if (relu()) {
            if (output == null) {
                throw new IllegalStateException(layerId() + ": backward without a training forward pass");
            }
            dy = new ActivationReLU().backprop(output.dup(), dy).getFirst(); // y > 0 exactly where the input to ReLU was
        }
        INDArray g = Plain.of(dy);
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, x.shape(), 'c');
        INDArray dWeights = gradientViews.get(WEIGHT_KEY);
        KernelClock.time("convolution backward (oneDNN, NHWC)", () -> {
            OneDnn.point(p.src, x);
            OneDnn.point(p.diffDst, g);
            OneDnn.point(p.diffSrc, dx);
            if (p.bias != null) {
                OneDnn.point(p.bias, gradientViews.get(BIAS_KEY));
            }
            p.weightsToBackward.execute(stream, OneDnn.point(p.weights, weights()), p.dataWeights);
            p.backwardData.execute(stream, p.dataArgs);
            p.backwardWeights.execute(stream, p.weightsArgs);
            p.diffWeightsToDl4j.execute(stream, p.diffWeights, OneDnn.point(p.weightsGradient, dWeights));
            stream._wait();
        });
        Gradient gradient = new DefaultGradient();
        if (p.bias != null) {
            gradient.setGradientFor(BIAS_KEY, gradientViews.get(BIAS_KEY));
        }
        gradient.setGradientFor(WEIGHT_KEY, dWeights, 'c');
        output = null;
        return new Pair<>(gradient, dx);
    }

    private INDArray weights() {
        return getParam(WEIGHT_KEY);
    }

    private Primitives primitivesFor(INDArray x) {
        if (x.rank() != 4) {
            throw new IllegalStateException(layerId() + ": takes NHWC activations, got shape " + Arrays.toString(x.shape()));
        }
        if (stream == null) {
            stream = new stream(OneDnn.engine());
        }
        return primitives.computeIfAbsent(Arrays.stream(x.shape()).boxed().toList(), k -> new Primitives(x.shape()));
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
            var biasDesc = layerConf().hasBias() ? OneDnn.desc(new long[] {g.dst()[1]}, memory.format_tag.x) : null;
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

    /** The convolution of an NHWC input, checked against the layer; the output size is DL4J's (floor). */
    private Shape shape(long[] nhwc) {
        var conf = layerConf();
        long n = nhwc[0], h = nhwc[1], w = nhwc[2], c = nhwc[3];
        int[] k = conf.getKernelSize(), s = conf.getStride(), pad = conf.getPadding();
        long oh = (h + 2L * pad[0] - k[0]) / s[0] + 1, ow = (w + 2L * pad[1] - k[1]) / s[1] + 1;
        long oc = conf.getNOut();
        if (c != conf.getNIn() || oh < 1 || ow < 1) {
            throw new IllegalStateException(layerId() + ": input " + Arrays.toString(nhwc) + " (NHWC) does not fit "
                    + conf.getNIn() + " input channels, kernel " + Arrays.toString(k));
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

    /** The ReLU as a post-op of the forward convolution, where the layer's activation is one. */
    private primitive_attr reluPostOp() {
        var attributes = new primitive_attr();
        if (relu()) {
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
