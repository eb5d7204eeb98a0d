package sparkcnn.kernels.onnx;

import static sparkcnn.kernels.onnx.OnnxGraph.Attribute;

import java.util.List;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import sparkcnn.kernels.arch.DenseBlockSpec;
import sparkcnn.kernels.arch.DenseBlockSpec.Part;
import sparkcnn.kernels.layers.BatchNormRelu;
import sparkcnn.kernels.layers.Convolution;
import sparkcnn.kernels.layers.DenseBlock;
import sparkcnn.kernels.layers.DenseBlockParams;

/**
 * Each layer of the cs231n vocabulary and of DenseNet as ONNX operators, with its trained weights:
 * CONV (Conv), POOL (MaxPool, AveragePool), batch norm (BatchNormalization, inference form), ReLU,
 * FC (Gemm), softmax, global average pooling, dropout (nothing, at inference), and this module's
 * dense block layer as the composite layers it fuses. Weights are read in the layout DL4J keeps
 * for every layer set (convolutions OIHW, fully connected [in, out]).
 */
final class LayerExport {
    private final OnnxGraph onnx;
    private final ComputationGraph graph;

    LayerExport(OnnxGraph onnx, ComputationGraph graph) {
        this.onnx = onnx;
        this.graph = graph;
    }

    /** The operators of layer vertex {@code name} applied to {@code x}; the value they produce. */
    String layer(String name, Layer layer, String x) {
        if (layer instanceof FrozenLayer frozen) { // transfer learning's frozen part computes as it did
            return layer(name, frozen.getLayer(), x);
        }
        if (layer instanceof FrozenLayerWithBackprop frozen) {
            return layer(name, frozen.getUnderlying(), x);
        }
        if (layer instanceof DenseBlock block) {
            return denseBlock(name, block, x);
        }
        if (layer.getClass() == ConvolutionLayer.class || layer instanceof Convolution) {
            var c = (ConvolutionLayer) layer;
            INDArray bias = c.hasBias() ? param(name, "b") : null;
            return activation(name, c, convolution(name, x, param(name, "W"), bias, c.getStride(), padding(name, c.getPadding(),
                    c.getConvolutionMode()), c.getDilation()));
        }
        if (layer.getClass() == SubsamplingLayer.class) {
            return pool(name, (SubsamplingLayer) layer, x);
        }
        if (layer instanceof BatchNormalization bn) {
            String y = batchNorm(name, x, name, bn.getEps(), bn); // DL4J's batch norm ignores its activation
            return bn instanceof BatchNormRelu fused && fused.isRelu() ? onnx.node("Relu", name + "_relu", List.of(y)) : y;
        }
        if (layer.getClass() == ActivationLayer.class) {
            return activation(((ActivationLayer) layer).getActivationFn(), x, name);
        }
        if (layer.getClass() == DenseLayer.class || layer.getClass() == OutputLayer.class) {
            return activation(name, (BaseLayer) layer, fullyConnected(name, x));
        }
        if (layer.getClass() == GlobalPoolingLayer.class) {
            return globalPool(name, (GlobalPoolingLayer) layer, x);
        }
        if (layer.getClass() == DropoutLayer.class) {
            return x; // dropout is training only
        }
        throw new NoOnnxFormException(name, layer.getClass().getSimpleName());
    }

    /** FC: {@code x W + b}, W as DL4J keeps it, [in, out]. */
    private String fullyConnected(String name, String x) {
        float[] bias = floats(param(name, "b"));
        INDArray w = param(name, "W");
        return onnx.node("Gemm", name, List.of(x, onnx.initializer(name + "_W", w.shape(), floats(w)),
                onnx.initializer(name + "_b", new long[] {bias.length}, bias)));
    }

    /** Global average (or max) pooling to [batch, channels], as DL4J collapses it. */
    private String globalPool(String name, GlobalPoolingLayer pool, String x) {
        if (pool.getPoolingType() != PoolingType.AVG && pool.getPoolingType() != PoolingType.MAX
                || !pool.isCollapseDimensions()) {
            throw new NoOnnxFormException(name, "global " + pool.getPoolingType() + " pooling");
        }
        String op = pool.getPoolingType() == PoolingType.AVG ? "GlobalAveragePool" : "GlobalMaxPool";
        return onnx.node("Flatten", name + "_flatten", List.of(onnx.node(op, name, List.of(x))), Attribute.of("axis", 1L));
    }

    private String convolution(String name, String x, INDArray weights, INDArray bias, int[] stride, long[] pads,
                               int[] dilation) {
        long[] shape = weights.shape();
        String w = onnx.initializer(name + "_W", shape, floats(weights));
        List<String> inputs = bias == null ? List.of(x, w)
                : List.of(x, w, onnx.initializer(name + "_b", new long[] {shape[0]}, floats(bias)));
        return onnx.node("Conv", name, inputs,
                Attribute.ints("kernel_shape", shape[2], shape[3]),
                Attribute.ints("strides", stride[0], stride[1]),
                Attribute.ints("pads", pads),
                Attribute.ints("dilations", dilation == null ? 1 : dilation[0], dilation == null ? 1 : dilation[1]));
    }

    private String pool(String name, SubsamplingLayer pool, String x) {
        int[] k = pool.getKernelSize();
        int[] s = pool.getStride();
        long[] pads = padding(name, pool.getPadding(), pool.getConvolutionMode());
        if (pool.getDilation() != null && (pool.getDilation()[0] != 1 || pool.getDilation()[1] != 1)) {
            throw new NoOnnxFormException(name, "dilated pooling");
        }
        var kernel = Attribute.ints("kernel_shape", k[0], k[1]);
        var strides = Attribute.ints("strides", s[0], s[1]);
        return switch (pool.getPoolingType()) {
            case MAX -> onnx.node("MaxPool", name, List.of(x), kernel, strides, Attribute.ints("pads", pads));
            case AVG -> onnx.node("AveragePool", name, List.of(x), kernel, strides, Attribute.ints("pads", pads),
                    Attribute.of("count_include_pad", pool.isAvgPoolIncludePadInDivisor() ? 1L : 0L));
            default -> throw new NoOnnxFormException(name, pool.getPoolingType() + " pooling");
        };
    }

    /** ONNX's pads (top, left, bottom, right) of DL4J's symmetric padding, which its floor and exact modes use. */
    private static long[] padding(String name, int[] padding, ConvolutionMode mode) {
        if (mode != ConvolutionMode.Truncate && mode != ConvolutionMode.Strict) {
            throw new NoOnnxFormException(name, "convolution mode " + mode);
        }
        return new long[] {padding[0], padding[1], padding[0], padding[1]};
    }

    /**
     * Batch norm {@code part}'s inference form: {@code gamma (x - mean) / sqrt(var + eps) + beta} with the
     * running mean and variance (DL4J keeps log10 of the standard deviation, or the variance).
     */
    private String batchNorm(String vertex, String x, String part, double eps, BatchNormalization conf) {
        String prefix = vertex.equals(part) ? "" : DenseBlockParams.key(part, "");
        float[] mean = floats(param(vertex, prefix + BatchNormalizationParamInitializer.GLOBAL_MEAN));
        float[] gamma;
        float[] beta;
        if (conf != null && conf.isLockGammaBeta()) {
            gamma = filled(mean.length, conf.getGamma());
            beta = filled(mean.length, conf.getBeta());
        } else {
            gamma = floats(param(vertex, prefix + BatchNormalizationParamInitializer.GAMMA));
            beta = floats(param(vertex, prefix + BatchNormalizationParamInitializer.BETA));
        }
        float[] variance;
        if (conf == null || conf.isUseLogStd()) {
            variance = floats(param(vertex, prefix + BatchNormalizationParamInitializer.GLOBAL_LOG_STD));
            for (int i = 0; i < variance.length; i++) {
                double std = Math.pow(10, variance[i]);
                variance[i] = (float) (std * std);
            }
        } else {
            variance = floats(param(vertex, prefix + BatchNormalizationParamInitializer.GLOBAL_VAR));
        }
        long[] channels = {mean.length};
        String name = vertex.equals(part) ? vertex : vertex + "_" + part;
        return onnx.node("BatchNormalization", name, List.of(x,
                        onnx.initializer(name + "_gamma", channels, gamma), onnx.initializer(name + "_beta", channels, beta),
                        onnx.initializer(name + "_mean", channels, mean), onnx.initializer(name + "_var", channels, variance)),
                Attribute.of("epsilon", (float) eps));
    }

    /**
     * A dense block layer as the per-layer graph it fuses: per composite layer BN-ReLU-Conv(1x1)-BN-ReLU-Conv3x3
     * (the bottleneck where it has one), its k new maps concatenated after the maps it read.
     */
    private String denseBlock(String name, DenseBlock block, String x) {
        DenseBlockSpec spec = block.spec(name);
        for (int l = 1; l <= block.getLayers(); l++) {
            String y = compositeLayer(name, block, spec, l, x);
            x = onnx.node("Concat", spec.member(l, Part.CONCAT), List.of(x, y), Attribute.of("axis", 1L));
        }
        return x;
    }

    private String compositeLayer(String name, DenseBlock block, DenseBlockSpec spec, int l, String x) {
        boolean bottleneck = block.isBottleneck();
        String y = onnx.node("Relu", spec.member(l, Part.RELU1),
                List.of(batchNorm(name, x, DenseBlockSpec.part(l, Part.BN1, bottleneck), block.getEps(), null)));
        if (bottleneck) {
            y = blockConvolution(name, spec, l, Part.CONV1, y, 0);
            y = onnx.node("Relu", spec.member(l, Part.RELU2),
                    List.of(batchNorm(name, y, DenseBlockSpec.part(l, Part.BN2, true), block.getEps(), null)));
        }
        return blockConvolution(name, spec, l, Part.CONV2, y, 1);
    }

    private String blockConvolution(String name, DenseBlockSpec spec, int l, Part part, String x, int padding) {
        INDArray weights = param(name, DenseBlockParams.weightsKey(DenseBlockSpec.part(l, part, spec.bottleneck())));
        return convolution(spec.member(l, part), x, weights, null, new int[] {1, 1},
                new long[] {padding, padding, padding, padding}, null);
    }

    private String activation(String name, BaseLayer layer, String x) {
        return activation(layer.getActivationFn(), x, name);
    }

    private String activation(IActivation fn, String x, String name) {
        if (fn == null || fn instanceof ActivationIdentity) {
            return x;
        }
        if (fn instanceof ActivationReLU && fn.toString().equals("relu")) { // no cap, threshold or slope
            return onnx.node("Relu", name + "_relu", List.of(x));
        }
        if (fn instanceof ActivationSoftmax) {
            return onnx.node("Softmax", name + "_softmax", List.of(x), Attribute.of("axis", 1L));
        }
        if (fn instanceof ActivationSigmoid) {
            return onnx.node("Sigmoid", name + "_sigmoid", List.of(x));
        }
        if (fn instanceof ActivationTanH) {
            return onnx.node("Tanh", name + "_tanh", List.of(x));
        }
        throw new NoOnnxFormException(name, "activation " + fn);
    }

    private INDArray param(String vertex, String key) {
        INDArray value = graph.getLayer(vertex).getParam(key);
        if (value == null) {
            throw new IllegalStateException("layer '" + vertex + "' has no parameter " + key);
        }
        return value;
    }

    private static float[] floats(INDArray array) {
        return array.castTo(DataType.FLOAT).dup('c').data().asFloat();
    }

    private static float[] filled(int n, double value) {
        float[] values = new float[n];
        java.util.Arrays.fill(values, (float) value);
        return values;
    }
}
