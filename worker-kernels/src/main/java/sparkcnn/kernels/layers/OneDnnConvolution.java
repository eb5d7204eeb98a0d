package sparkcnn.kernels.layers;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.scratchpad_mode;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One convolution on oneDNN's own kernels over dense NHWC float activations, read and written in
 * place in ND4J's arrays; weights in DL4J's OIHW, reordered to the kernel's layout once per pass.
 * Primitives are made once per input shape (the last minibatch of an epoch may be smaller). A
 * ReLU runs as a post-op of the forward pass. Used by {@link ChannelsLastConvolutionLayer} and by
 * each composite layer of a {@link DenseBlockLayer}.
 *
 * <p>The minibatch is split between the worker's threads, each running oneDNN alone on its images
 * (the weights' gradient summed after), rather than oneDNN's threads sharing each call: images are
 * independent, so a part needs no synchronisation inside a call and wakes no OpenMP thread. Each
 * part has its own primitives, made on its thread for one thread, and its scratchpad (oneDNN's own
 * is shared and not for concurrent calls). Without {@code splitBatch} the whole minibatch goes to
 * oneDNN's threads (the layer's configuration chooses; for side-by-side measurement).
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
    /** Whether the minibatch is split between the worker's threads (see the class comment). */
    private final boolean splitBatch;
    /** Per part of a minibatch of one shape: (N, H, W, C, part, parts). */
    private final Map<List<Long>, Primitives> primitives = new ConcurrentHashMap<>();

    @FunctionalInterface
    private interface Part {
        /** One part's work: its primitives and the index of its first image. */
        void run(Primitives p, long firstImage);
    }

    OneDnnConvolution(Kernel kernel, boolean splitBatch) {
        this.kernel = kernel;
        this.splitBatch = splitBatch;
    }

    /** The NHWC output shape for an NHWC input; DL4J's size (floor). */
    long[] outputShape(long[] nhwc) {
        return ConvolutionShape.of(kernel, checked(nhwc)).output();
    }

    /** y = conv(x, w) + bias, with the ReLU when configured; bias may be null when there is none. */
    void forward(INDArray x, INDArray w, INDArray bias, INDArray y) {
        long[] nhwc = checked(x.shape());
        KernelClock.time("convolution forward (oneDNN, NHWC)",
                () -> inParts(nhwc, (p, first) -> p.forward(x, w, bias, y, first)));
    }

    /**
     * dx and dw (and dBias where there is a bias) from x and dy, the gradient after any ReLU; dx may be
     * null where no one reads the input's gradient.
     */
    void backward(INDArray x, INDArray dy, INDArray w, INDArray dx, INDArray dw, INDArray dBias) {
        long[] nhwc = checked(x.shape());
        KernelClock.time("convolution backward (oneDNN, NHWC)", () -> {
            Primitives[] parts = inParts(nhwc, (p, first) -> p.backward(x, dy, w, dx, dw, dBias, first));
            for (int part = 1; part < parts.length; part++) {
                parts[part].addWeightGradients(dw, dBias);
            }
        });
    }

    /**
     * Runs {@code body} for the whole minibatch on oneDNN's threads, or for one part of its images on
     * each of the worker's threads, each alone; returns the parts' primitives, part 0 first.
     */
    private Primitives[] inParts(long[] nhwc, Part body) {
        long images = nhwc[0];
        int parts = splitBatch ? (int) Math.min(Threads.perWorker(), images) : 1;
        Primitives[] used = new Primitives[parts];
        if (parts == 1) {
            used[0] = primitivesFor(nhwc, 0, 1);
            body.run(used[0], 0);
            return used;
        }
        Threads.inParallel(parts, part -> OneDnn.alone(() -> {
            long first = images * part / parts;
            long[] slice = {images * (part + 1) / parts - first, nhwc[1], nhwc[2], nhwc[3]};
            used[part] = primitivesFor(slice, part, parts);
            body.run(used[part], first);
        }));
        return used;
    }

    private long[] checked(long[] nhwc) {
        if (nhwc.length != 4) {
            throw new IllegalStateException(kernel.owner() + ": takes NHWC activations, got shape " + Arrays.toString(nhwc));
        }
        return nhwc;
    }

    /** Part {@code part} of {@code parts}, whose images have shape {@code nhwc}: made on the thread that runs it. */
    private Primitives primitivesFor(long[] nhwc, int part, int parts) {
        var key = List.of(nhwc[0], nhwc[1], nhwc[2], nhwc[3], (long) part, (long) parts);
        return primitives.computeIfAbsent(key, k -> new Primitives(nhwc, part, parts > 1));
    }

    /**
     * oneDNN's descriptions of one input shape's convolution, forward and backward, and their
     * memories: for the whole minibatch, or for one part of it run alone on its own scratchpad.
     */
    private final class Primitives {
        final long imageValues, outputImageValues;
        final stream stream = new stream(OneDnn.engine());
        final memory src, dst, diffSrc, diffDst, weights, weightsGradient, bias;
        final memory forwardWeights, dataWeights, diffWeights;
        final convolution_forward forward;
        final convolution_backward_data backwardData;
        final convolution_backward_weights backwardWeights;
        final reorder weightsToForward, weightsToBackward, diffWeightsToDl4j;
        /** Each primitive's arguments, made once: the memories stay, their buffers are set per call. */
        final IntMemoryMap forwardArgs, dataArgs, weightsArgs;
        /** A part's own scratchpad (its thread's), per primitive; null for the whole minibatch. */
        final OneDnnScratchpad forwardScratch, dataScratch, weightsScratch;
        /** A later part's weight (and bias) gradients, added to part 0's once every part is done. */
        final memory partWeightsGradient, partBiasGradient;

        Primitives(long[] nhwc, int part, boolean alone) {
            ConvolutionShape g = ConvolutionShape.of(kernel, nhwc);
            imageValues = nhwc[1] * nhwc[2] * nhwc[3];
            outputImageValues = g.output()[1] * g.output()[2] * g.output()[3];
            var engine = OneDnn.engine();
            var srcDesc = OneDnn.desc(g.src(), NHWC);
            var dstDesc = OneDnn.desc(g.dst(), NHWC);
            var anyWeights = OneDnn.desc(g.weights(), ANY);
            var biasDesc = kernel.bias() ? OneDnn.desc(new long[] {g.dst()[1]}, memory.format_tag.x) : null;
            var forwardPd = new convolution_forward.primitive_desc(g.forward(srcDesc, anyWeights, biasDesc, dstDesc),
                    attributes(alone, kernel.relu()), engine);
            var dataPd = new convolution_backward_data.primitive_desc(g.backwardData(srcDesc, anyWeights, dstDesc),
                    attributes(alone, false), engine, forwardPd);
            var weightsPd = new convolution_backward_weights.primitive_desc(
                    g.backwardWeights(srcDesc, anyWeights, biasDesc, dstDesc), attributes(alone, false), engine, forwardPd);
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
            weightsToForward = reorder(weights.get_desc(), forwardPd.weights_desc(), alone);
            weightsToBackward = reorder(weights.get_desc(), dataPd.weights_desc(), alone); // OIHW: DL4J's weights
            diffWeightsToDl4j = reorder(weightsPd.diff_weights_desc(), weights.get_desc(), alone);
            forwardArgs = new IntMemoryMap().put(DNNL_ARG_SRC, src).put(DNNL_ARG_WEIGHTS, forwardWeights).put(DNNL_ARG_DST, dst);
            dataArgs = new IntMemoryMap().put(DNNL_ARG_DIFF_DST, diffDst).put(DNNL_ARG_WEIGHTS, dataWeights)
                    .put(DNNL_ARG_DIFF_SRC, diffSrc);
            weightsArgs = new IntMemoryMap().put(DNNL_ARG_SRC, src).put(DNNL_ARG_DIFF_DST, diffDst)
                    .put(DNNL_ARG_DIFF_WEIGHTS, diffWeights);
            if (bias != null) {
                forwardArgs.put(DNNL_ARG_BIAS, bias);
                weightsArgs.put(DNNL_ARG_DIFF_BIAS, bias);
            }
            forwardScratch = alone ? OneDnnScratchpad.of(forwardPd.scratchpad_desc(), forwardArgs) : null;
            dataScratch = alone ? OneDnnScratchpad.of(dataPd.scratchpad_desc(), dataArgs) : null;
            weightsScratch = alone ? OneDnnScratchpad.of(weightsPd.scratchpad_desc(), weightsArgs) : null;
            partWeightsGradient = part > 0 ? new memory(weights.get_desc(), engine) : null;
            partBiasGradient = part > 0 && biasDesc != null ? new memory(biasDesc, engine) : null;
        }

        /** The forward pass of this part's images, from image {@code first}. */
        void forward(INDArray x, INDArray w, INDArray bias, INDArray y, long first) {
            weightsToForward.execute(stream, OneDnn.point(weights, w), forwardWeights);
            OneDnn.point(src, x, first * imageValues);
            OneDnn.point(dst, y, first * outputImageValues);
            if (this.bias != null) {
                OneDnn.point(this.bias, bias);
            }
            OneDnnScratchpad.point(forwardScratch);
            forward.execute(stream, forwardArgs);
            stream._wait();
        }

        /** The backward pass of this part's images; a later part's weight gradients stay its own. */
        void backward(INDArray x, INDArray dy, INDArray w, INDArray dx, INDArray dw, INDArray dBias, long first) {
            OneDnn.point(src, x, first * imageValues);
            OneDnn.point(diffDst, dy, first * outputImageValues);
            if (dx != null) {
                OneDnn.point(diffSrc, dx, first * imageValues);
                weightsToBackward.execute(stream, OneDnn.point(weights, w), dataWeights);
                OneDnnScratchpad.point(dataScratch);
                backwardData.execute(stream, dataArgs);
            }
            if (bias != null) {
                if (partBiasGradient != null) {
                    bias.set_data_handle(partBiasGradient.get_data_handle());
                } else {
                    OneDnn.point(bias, dBias);
                }
            }
            OneDnnScratchpad.point(weightsScratch);
            backwardWeights.execute(stream, weightsArgs);
            diffWeightsToDl4j.execute(stream, diffWeights,
                    partWeightsGradient != null ? partWeightsGradient : OneDnn.point(weightsGradient, dw));
            stream._wait();
        }

        /** Adds a later part's weight (and bias) gradients to the whole's, which part 0 wrote. */
        void addWeightGradients(INDArray dw, INDArray dBias) {
            add(partWeightsGradient, dw);
            if (partBiasGradient != null) {
                add(partBiasGradient, dBias);
            }
        }

        private static void add(memory part, INDArray whole) {
            int values = (int) whole.length();
            FloatBuffer into = Plain.floats(whole); // a gradient view: its buffer runs on past it
            FloatBuffer from = new FloatPointer(part.get_data_handle()).position(0).limit(values).capacity(values).asBuffer();
            for (int i = 0; i < values; i++) {
                into.put(i, into.get(i) + from.get(i));
            }
        }
    }

    /**
     * A primitive's attributes: the ReLU as a post-op of the forward convolution where the kernel has
     * one, and for a part of the minibatch a scratchpad of its own.
     */
    private static primitive_attr attributes(boolean alone, boolean relu) {
        var attributes = new primitive_attr();
        if (relu) {
            var ops = new post_ops();
            ops.append_eltwise(1f, algorithm.eltwise_relu, 0f, 0f);
            attributes.set_post_ops(ops);
        }
        if (alone) {
            attributes.set_scratchpad_mode(scratchpad_mode.user);
        }
        return attributes;
    }

    /** A reorder; for a part of the minibatch one that needs no scratchpad (none of oneDNN's simple ones do). */
    private reorder reorder(memory.desc from, memory.desc to, boolean alone) {
        var engine = OneDnn.engine();
        var pd = new reorder.primitive_desc(engine, from, engine, to, attributes(alone, false), false);
        if (alone && pd.scratchpad_desc().get_size() > 0) {
            throw new IllegalStateException(kernel.owner() + ": oneDNN's reorder of its weights wants a scratchpad");
        }
        return new reorder(pd);
    }
}
