package sparkcnn.kernels.layers;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SCALE_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_MEAN;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCALE_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_VARIANCE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.batch_normalization_backward;
import org.bytedeco.dnnl.batch_normalization_forward;
import org.bytedeco.dnnl.global.dnnl.normalization_flags;
import org.bytedeco.dnnl.global.dnnl.prop_kind;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batch normalisation, with the ReLU fused where asked, over dense NHWC float activations: on
 * oneDNN's own kernel (bnorm_jit) where it has one for the shape, which is 1.2-2x faster forward
 * and 2.5-4x faster backward than the Java kernel (bench/results/bn-kernels.md; its backward reads
 * the ReLU's mask as bits the training forward kept instead of recomputing it from x); on
 * {@link ChannelsLastBatchNormReluKernel} otherwise (oneDNN's AVX-512 kernel takes channels in
 * sixteens, and its generic one is 20x slower than ours). Channel prefixes of a wider buffer (a
 * dense block's first batch norms) are not dense: those stay on the Java kernel. Primitives are made
 * once per input shape; the mask of the last training forward stays for backward.
 */
final class DenseBatchNorm {
    private final String owner;
    private final double eps;
    private final boolean relu;
    /** Per input shape: oneDNN's primitives, or none where it has no fast kernel for it. */
    private final Map<List<Long>, Optional<Primitives>> primitives = new HashMap<>();
    private stream stream;
    /** The primitives of the last training forward, whose workspace holds its ReLU mask. */
    private Primitives trained;

    DenseBatchNorm(String owner, double eps, boolean relu) {
        this.owner = owner;
        this.eps = eps;
        this.relu = relu;
    }

    /** Training forward: y, and each channel's batch mean and (biased) variance. */
    void forwardTraining(INDArray x, INDArray y, float[] gamma, float[] beta, float[] mean, float[] var) {
        Primitives p = primitivesFor(x);
        trained = p;
        if (p == null) {
            ChannelsLastBatchNormReluKernel.forwardTraining(Plain.floats(x), Plain.floats(y), rows(x), channels(x), gamma,
                    beta, eps, relu, mean, var);
            return;
        }
        KernelClock.time("batchnorm_relu forward (training, oneDNN)", () -> {
            p.setParameters(gamma, beta);
            p.training.execute(stream, p.args(x, y));
            stream._wait();
            p.getStatistics(mean, var);
        });
    }

    /** y with given statistics: the running ones, or a training pass's (its output again, for recomputation). */
    void forward(INDArray x, INDArray y, float[] gamma, float[] beta, float[] mean, float[] var) {
        Primitives p = primitivesFor(x);
        if (p == null) {
            ChannelsLastBatchNormReluKernel.forwardInference(Plain.floats(x), Plain.floats(y), rows(x), channels(x), gamma,
                    beta, mean, var, eps, relu);
            return;
        }
        KernelClock.time("batchnorm_relu forward (given statistics, oneDNN)", () -> {
            p.setParameters(gamma, beta);
            p.setStatistics(mean, var);
            p.inference.execute(stream, p.args(x, y));
            stream._wait();
        });
    }

    /** dx (which may be dy's own array), dgamma and dbeta, with the last training forward's statistics (and mask). */
    void backward(INDArray x, INDArray dy, INDArray dx, float[] gamma, float[] beta, float[] mean, float[] var,
                  float[] dgamma, float[] dbeta) {
        Primitives p = primitivesFor(x);
        if (p == null) {
            ChannelsLastBatchNormReluKernel.backward(Plain.floats(x), Plain.floats(dy), Plain.floats(dx), rows(x),
                    channels(x), gamma, beta, mean, var, eps, relu, dgamma, dbeta);
            return;
        }
        if (trained != p) {
            throw new IllegalStateException(owner + ": backward without a training forward pass of this shape");
        }
        KernelClock.time("batchnorm_relu backward (oneDNN)", () -> {
            p.setParameters(gamma, beta);
            p.setStatistics(mean, var);
            OneDnn.point(p.src, x);
            OneDnn.point(p.diffDst, dy);
            OneDnn.point(p.diffSrc, dx);
            p.backward.execute(stream, p.backwardArgs);
            stream._wait();
            float[] both = Plain.read(p.diffScaleShift);
            System.arraycopy(both, 0, dgamma, 0, dgamma.length);
            System.arraycopy(both, dgamma.length, dbeta, 0, dbeta.length);
        });
    }

    /** Which kernel runs for inputs of x's shape (for benchmarks). */
    String implementation(INDArray x) {
        Primitives p = primitivesFor(x);
        return p == null ? "Java kernel" : "oneDNN " + p.implementation;
    }

    private Primitives primitivesFor(INDArray x) {
        if (x.rank() != 4 || !Plain.is(x)) {
            throw new IllegalStateException(owner + ": takes dense NHWC float activations, got " + x.shapeInfoToString());
        }
        return primitives.computeIfAbsent(Arrays.stream(x.shape()).boxed().toList(), k -> jit(x.shape())).orElse(null);
    }

    /** oneDNN's primitives for this shape where its own kernels (bnorm_jit) take it. */
    private Optional<Primitives> jit(long[] nhwc) {
        var engine = OneDnn.engine();
        var data = OneDnn.desc(new long[] {nhwc[0], nhwc[3], nhwc[1], nhwc[2]}, memory.format_tag.nhwc);
        int flags = normalization_flags.use_scale_shift.value | (relu ? normalization_flags.fuse_norm_relu.value : 0);
        float epsilon = (float) eps;
        var training = new batch_normalization_forward.primitive_desc(new batch_normalization_forward.desc(
                prop_kind.forward_training.value, data, epsilon, flags), engine);
        var backward = new batch_normalization_backward.primitive_desc(new batch_normalization_backward.desc(
                prop_kind.backward.value, data, data, epsilon, flags), engine, training);
        String implementation = training.impl_info_str().getString();
        if (!implementation.startsWith("bnorm_jit") || !backward.impl_info_str().getString().startsWith("bnorm_jit")) {
            return Optional.empty();
        }
        var inference = new batch_normalization_forward.primitive_desc(new batch_normalization_forward.desc(
                prop_kind.forward_inference.value, data, epsilon, flags | normalization_flags.use_global_stats.value), engine);
        if (stream == null) {
            stream = new stream(engine);
        }
        return Optional.of(new Primitives(data, nhwc[3], implementation, training, inference, backward));
    }

    private static int rows(INDArray x) {
        return (int) (x.length() / x.size(3));
    }

    private static int channels(INDArray x) {
        return (int) x.size(3);
    }

    /** oneDNN's batch norms of one input shape, their memories, and the parameters and statistics they read. */
    private final class Primitives {
        final memory src, dst, diffSrc, diffDst;
        final INDArray scaleShift, mean, variance, diffScaleShift;
        final batch_normalization_forward training, inference;
        final batch_normalization_backward backward;
        /** Each primitive's arguments, made once: the memories stay, their buffers are set per call. */
        final IntMemoryMap forwardArgs, backwardArgs;
        final String implementation;

        Primitives(memory.desc data, long c, String implementation, batch_normalization_forward.primitive_desc trainingPd,
                   batch_normalization_forward.primitive_desc inferencePd,
                   batch_normalization_backward.primitive_desc backwardPd) {
            var engine = OneDnn.engine();
            this.implementation = implementation;
            training = new batch_normalization_forward(trainingPd);
            inference = new batch_normalization_forward(inferencePd);
            backward = new batch_normalization_backward(backwardPd);
            src = OneDnn.unbound(data);
            dst = OneDnn.unbound(data);
            diffSrc = OneDnn.unbound(data);
            diffDst = OneDnn.unbound(data);
            scaleShift = Nd4j.createUninitializedDetached(DataType.FLOAT, 2, c); // gamma, then beta
            diffScaleShift = Nd4j.createUninitializedDetached(DataType.FLOAT, 2, c);
            mean = Nd4j.createUninitializedDetached(DataType.FLOAT, c);
            variance = Nd4j.createUninitializedDetached(DataType.FLOAT, c);
            var pair = OneDnn.desc(new long[] {2, c}, memory.format_tag.nc);
            var vector = OneDnn.desc(new long[] {c}, memory.format_tag.x);
            memory scaleShiftMemory = OneDnn.point(OneDnn.unbound(pair), scaleShift);
            memory meanMemory = OneDnn.point(OneDnn.unbound(vector), mean);
            memory varianceMemory = OneDnn.point(OneDnn.unbound(vector), variance);
            forwardArgs = new IntMemoryMap().put(DNNL_ARG_SRC, src).put(DNNL_ARG_DST, dst)
                    .put(DNNL_ARG_SCALE_SHIFT, scaleShiftMemory).put(DNNL_ARG_MEAN, meanMemory)
                    .put(DNNL_ARG_VARIANCE, varianceMemory);
            backwardArgs = new IntMemoryMap().put(DNNL_ARG_SRC, src).put(DNNL_ARG_DIFF_DST, diffDst)
                    .put(DNNL_ARG_SCALE_SHIFT, scaleShiftMemory).put(DNNL_ARG_MEAN, meanMemory)
                    .put(DNNL_ARG_VARIANCE, varianceMemory).put(DNNL_ARG_DIFF_SRC, diffSrc)
                    .put(DNNL_ARG_DIFF_SCALE_SHIFT, OneDnn.point(OneDnn.unbound(pair), diffScaleShift));
            if (relu) { // the training forward's ReLU mask, which backward reads
                memory mask = new memory(trainingPd.workspace_desc(), engine);
                forwardArgs.put(DNNL_ARG_WORKSPACE, mask);
                backwardArgs.put(DNNL_ARG_WORKSPACE, mask);
            }
        }

        /** Points the forward's memories at x and y. */
        IntMemoryMap args(INDArray x, INDArray y) {
            OneDnn.point(src, x);
            OneDnn.point(dst, y);
            return forwardArgs;
        }

        void setParameters(float[] gamma, float[] beta) {
            float[] both = Arrays.copyOf(gamma, gamma.length + beta.length);
            System.arraycopy(beta, 0, both, gamma.length, beta.length);
            Plain.write(scaleShift, both);
        }

        void setStatistics(float[] m, float[] v) {
            Plain.write(mean, m);
            Plain.write(variance, v);
        }

        void getStatistics(float[] m, float[] v) {
            System.arraycopy(Plain.read(mean), 0, m, 0, m.length);
            System.arraycopy(Plain.read(variance), 0, v, 0, v.length);
        }
    }
}
