package sparkcnn.kernels.layers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import sparkcnn.kernels.arch.DenseBlockSpec;
import sparkcnn.kernels.arch.DenseBlockSpec.Part;

/**
 * A {@link DenseBlock}'s parameters, exactly those of the per-layer graph's vertices in its order:
 * per composite layer, the batch norm's gamma, beta, running mean and log10 std, then the
 * convolution's OIHW weights (bottleneck first), so the flat parameters and updater state of the
 * two graphs line up one for one. Each is named as the per-layer vertex's parameter within the
 * block, with dots where DL4J's names have underscores ({@code block2_layer3_bn1_gamma} is
 * {@code layer3.bn1.gamma} of {@code block2}, in the graph {@code block2_layer3.bn1.gamma}): DL4J
 * takes the text after a key's last underscore as the parameter and the rest as the layer.
 */
public final class DenseBlockParams implements ParamInitializer {
    static final DenseBlockParams INSTANCE = new DenseBlockParams();
    private static final String WEIGHTS = "." + ConvolutionParamInitializer.WEIGHT_KEY;
    private static final String[] BATCH_NORM = {BatchNormalizationParamInitializer.GAMMA,
            BatchNormalizationParamInitializer.BETA, BatchNormalizationParamInitializer.GLOBAL_MEAN,
            BatchNormalizationParamInitializer.GLOBAL_LOG_STD};

    /** One parameter: its key, shape, and (for weights) the kernel's fan-in and fan-out. */
    record Entry(String key, long[] shape, double fanIn, double fanOut) {
        long length() {
            long n = 1;
            for (long s : shape) {
                n *= s;
            }
            return n;
        }
    }

    private DenseBlockParams() {
    }

    static boolean isConvolution(String key) {
        return key.endsWith(WEIGHTS);
    }

    static boolean isRunningStatistic(String key) {
        return key.endsWith("." + BATCH_NORM[2]) || key.endsWith("." + BATCH_NORM[3]);
    }

    /** A batch norm's key for one of its parameters: {@code layer3_bn1} + {@code gamma} is {@code layer3.bn1.gamma}. */
    public static String key(String part, String param) {
        return part.replace('_', '.') + "." + param;
    }

    /** A convolution's weights: {@code layer3_conv1x1} has {@code layer3.conv1x1.W}. */
    public static String weightsKey(String part) {
        return part.replace('_', '.') + WEIGHTS;
    }

    /** The name the per-layer graph gives a block parameter: {@code block2} + {@code layer3.bn1.gamma}. */
    public static String perLayerName(String block, String key) {
        return block + "_" + key.replace('.', '_');
    }

    /** The block's parameters in order. */
    static List<Entry> entries(DenseBlock block) {
        List<Entry> entries = new ArrayList<>();
        int k = block.getGrowthRate();
        for (int l = 1; l <= block.getLayers(); l++) {
            int in = block.mapsBefore(l);
            if (block.isBottleneck()) {
                batchNorm(entries, DenseBlockSpec.part(l, Part.BN1, true), in);
                weights(entries, DenseBlockSpec.part(l, Part.CONV1, true), 4 * k, in, 1);
                batchNorm(entries, DenseBlockSpec.part(l, Part.BN2, true), 4 * k);
                weights(entries, DenseBlockSpec.part(l, Part.CONV2, true), k, 4 * k, 3);
            } else {
                batchNorm(entries, DenseBlockSpec.part(l, Part.BN1, false), in);
                weights(entries, DenseBlockSpec.part(l, Part.CONV2, false), k, in, 3);
            }
        }
        return entries;
    }

    private static void batchNorm(List<Entry> entries, String part, int channels) {
        for (String param : BATCH_NORM) {
            entries.add(new Entry(key(part, param), new long[] {1, channels}, 0, 0));
        }
    }

    private static void weights(List<Entry> entries, String part, int out, int in, int size) {
        entries.add(new Entry(weightsKey(part), new long[] {out, in, size, size}, (double) in * size * size,
                (double) out * size * size));
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        return entries((DenseBlock) layer).stream().mapToLong(Entry::length).sum();
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return entries((DenseBlock) layer).stream().map(Entry::key).toList();
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return paramKeys(layer).stream().filter(DenseBlockParams::isConvolution).toList();
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return List.of();
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return isConvolution(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return false;
    }

    /** Views of the flat parameters; when initialising, DL4J's batch norm and convolution initial values. */
    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        var block = (DenseBlock) conf.getLayer();
        List<Entry> entries = entries(block);
        Map<String, INDArray> params = views(entries, paramsView);
        for (Entry e : entries) {
            conf.addVariable(e.key());
            if (initializeParams) {
                initialise(block, e, params.get(e.key()));
            }
        }
        return params;
    }

    private static void initialise(DenseBlock block, Entry e, INDArray view) {
        if (isConvolution(e.key())) {
            block.getWeightInitFn().init(e.fanIn(), e.fanOut(), e.shape(), 'c', view);
        } else {
            view.assign(e.key().endsWith("." + BatchNormalizationParamInitializer.GAMMA) ? 1 : 0); // log10 std 0: variance 1
        }
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return views(entries((DenseBlock) conf.getLayer()), gradientView);
    }

    private static Map<String, INDArray> views(List<Entry> entries, INDArray flat) {
        Map<String, INDArray> views = new LinkedHashMap<>();
        long offset = 0;
        for (Entry e : entries) {
            INDArray view = flat.get(NDArrayIndex.interval(0, 0, true), NDArrayIndex.interval(offset, offset + e.length()));
            views.put(e.key(), e.shape().length == 4 ? view.reshape('c', e.shape()) : view);
            offset += e.length();
        }
        return views;
    }
}
