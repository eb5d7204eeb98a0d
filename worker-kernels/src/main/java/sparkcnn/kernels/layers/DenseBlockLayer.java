package sparkcnn.kernels.layers;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The running layer of a {@link DenseBlock}. Forward: the input maps go to the front of one NHWC
 * block buffer of c0 + L k maps (the layer's output), and each composite layer appends its k maps
 * in place. Backward: the incoming gradient of the whole buffer is the block's gradient buffer;
 * each composite layer, last first, adds the gradient of the maps it read into it, so the
 * concatenation's split and the epsilon sums of the per-layer graph are never made.
 */
public class DenseBlockLayer extends BaseLayer<DenseBlock> {
    private List<CompositeLayer> composites;
    /** The last training forward's block buffer, which backward reads, and its maps' batch statistics. */
    private INDArray blockBuffer;
    private BlockStatistics statistics;

    public DenseBlockLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        INDArray x = Plain.of(input);
        int c0 = (int) layerConf().getNIn();
        int channels = (int) layerConf().getNOut();
        if (x.rank() != 4 || x.size(3) != c0) {
            throw new IllegalStateException(layerId() + ": takes NHWC maps of " + c0 + " channels, got shape "
                    + Arrays.toString(x.shape()));
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
                new long[] {x.size(0), x.size(1), x.size(2), channels}, 'c');
        BlockScratch s = scratch(x);
        FloatBuffer buffer = Plain.floats(out);
        statistics = training ? new BlockStatistics(s.rows(), channels, layerConf().getEps()) : null;
        write(statistics, Plain.floats(x), buffer, channels, 0, c0, s.rows());
        for (CompositeLayer layer : composites()) {
            layer.forward(statistics, buffer, channels, s);
        }
        blockBuffer = training ? out : null;
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (blockBuffer == null) {
            throw new IllegalStateException(layerId() + ": backward without a training forward pass");
        }
        int c0 = (int) layerConf().getNIn();
        int channels = (int) layerConf().getNOut();
        // the next layer's gradient of the block buffer, read by no one else: the layers add into it
        INDArray gradients = Plain.is(epsilon) ? epsilon : Plain.of(epsilon);
        FloatBuffer gradientValues = Plain.floats(gradients);
        FloatBuffer buffer = Plain.floats(blockBuffer);
        List<CompositeLayer> layers = composites();
        BlockScratch scratch = scratch(input);
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c');
        int k = layerConf().getGrowthRate();
        // the last layer's maps have no reader in the block; every other layer's are read last by the next,
        // which copies them and their gradient dense (the input maps' gradient straight into dx)
        PendingMaps own = PendingMaps.inBlock(buffer, gradientValues, channels, channels - k, k);
        for (int l = layers.size() - 1; l >= 0; l--) {
            PendingMaps lastRead = l > 0
                    ? PendingMaps.dense(Plain.floats(scratch.lastRead(k)), Plain.floats(scratch.newMaps(k)), k)
                    : PendingMaps.dense(Plain.floats(scratch.lastRead(c0)), Plain.floats(dx), c0);
            layers.get(l).backward(statistics, buffer, gradientValues, channels, scratch, own, lastRead);
            own = lastRead;
        }
        statistics.finish(own, ChannelRows.dense(Plain.floats(dx), c0), 0);
        Gradient gradient = new DefaultGradient();
        for (String key : paramTable().keySet()) {
            gradient.setGradientFor(key, gradientViews.get(key));
        }
        blockBuffer = null;
        statistics = null;
        return new Pair<>(gradient, dx);
    }

    /**
     * Dense maps [first, first + count) into the block buffer (rows of {@code width} maps); when
     * training, their batch statistics are measured in the same pass.
     */
    static void write(BlockStatistics statistics, FloatBuffer maps, FloatBuffer buffer, int width, int first, int count,
                      int rows) {
        if (statistics != null) {
            statistics.write(maps, buffer, width, first, count);
        } else {
            ChannelRows.copy(ChannelRows.dense(maps, count), ChannelRows.slice(buffer, width, first), rows, count);
        }
    }

    /** Its name in errors, for its composite layers too. */
    @Override
    public String layerId() {
        return super.layerId();
    }

    INDArray gradientView(String key) {
        return gradientViews.get(key);
    }

    /** As DL4J's batch norm: a running statistic's "gradient" is its step, not divided by the minibatch. */
    @Override
    public boolean updaterDivideByMinibatch(String paramName) {
        return !DenseBlockParams.isRunningStatistic(paramName);
    }

    @Override
    public boolean hasBias() {
        return false;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public Type type() {
        return Type.CONVOLUTIONAL;
    }

    private List<CompositeLayer> composites() {
        if (composites == null) {
            composites = new ArrayList<>();
            for (int l = 1; l <= layerConf().getLayers(); l++) {
                composites.add(new CompositeLayer(this, l));
            }
        }
        return composites;
    }

    /** The working memory for this input's shape: this thread's, shared with every other block. */
    private BlockScratch scratch(INDArray x) {
        var conf = layerConf();
        return BlockScratch.forThread(new long[] {x.size(0), x.size(1), x.size(2)}, conf.mapsBefore(conf.getLayers()),
                conf.isBottleneck() ? 4 * conf.getGrowthRate() : 0, conf.getGrowthRate());
    }
}
