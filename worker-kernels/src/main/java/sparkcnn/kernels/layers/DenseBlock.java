package sparkcnn.kernels.layers;

import java.util.Collection;
import java.util.List;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * A DenseNet dense block (Huang et al. 2017) as one DL4J layer: {@code layers} composite layers of
 * growth rate k, each BN-ReLU-Conv3x3 (with a BN-ReLU-Conv1x1 to 4k maps first where
 * {@code bottleneck}), computed on one channels-last buffer of c0 + L k maps that every layer
 * writes its k maps into (Pleiss et al. 2017, "Memory-Efficient Implementation of DenseNets"):
 * no concatenation copies, and with {@code recompute} the BN-ReLU outputs are recomputed in
 * backward rather than stored, so memory grows with the depth, not its square.
 *
 * <p>Its parameters are those of the per-layer graph's vertices, named and laid out as they are
 * ({@link DenseBlockParams}): the same model files, updaters, regularisation and running statistics.
 * Batch norms use DL4J's defaults (decay 0.9, eps 1e-5, running log10 std).
 */
public class DenseBlock extends FeedForwardLayer {
    private int layers;
    private int growthRate;
    private boolean bottleneck;
    private boolean recompute = true;
    private boolean recomputeBottleneck;
    /** Whether its convolutions split the minibatch between the worker's threads (OneDnnConvolution). */
    private boolean splitBatch = true;
    private double decay = 0.9;
    private double eps = 1e-5;

    /** For JSON. */
    public DenseBlock() {
    }

    public DenseBlock(int layers, int growthRate, boolean bottleneck, boolean recompute) {
        if (layers < 1 || growthRate < 1) {
            throw new IllegalArgumentException("a dense block needs layers >= 1 and growth rate >= 1, got "
                    + layers + " and " + growthRate);
        }
        this.layers = layers;
        this.growthRate = growthRate;
        this.bottleneck = bottleneck;
        this.recompute = recompute;
    }

    public int getLayers() {
        return layers;
    }

    public void setLayers(int layers) {
        this.layers = layers;
    }

    public int getGrowthRate() {
        return growthRate;
    }

    public void setGrowthRate(int growthRate) {
        this.growthRate = growthRate;
    }

    public boolean isBottleneck() {
        return bottleneck;
    }

    public void setBottleneck(boolean bottleneck) {
        this.bottleneck = bottleneck;
    }

    /** Whether backward recomputes the BN-ReLU outputs from the block buffer instead of keeping them. */
    public boolean isRecompute() {
        return recompute;
    }

    public void setRecompute(boolean recompute) {
        this.recompute = recompute;
    }

    /**
     * Whether backward recomputes each bottleneck's output (its 1x1 convolution, 4k maps) too, as
     * torchvision's memory_efficient does, instead of keeping it: less memory for one more 1x1
     * convolution per layer.
     */
    public boolean isRecomputeBottleneck() {
        return recomputeBottleneck;
    }

    public void setRecomputeBottleneck(boolean recomputeBottleneck) {
        this.recomputeBottleneck = recomputeBottleneck;
    }

    public double getDecay() {
        return decay;
    }

    public void setDecay(double decay) {
        this.decay = decay;
    }

    public double getEps() {
        return eps;
    }

    public void setEps(double eps) {
        this.eps = eps;
    }

    /** The block as the architecture names its layers, for the vertex {@code name} of a graph. */
    public sparkcnn.kernels.arch.DenseBlockSpec spec(String name) {
        return new sparkcnn.kernels.arch.DenseBlockSpec(name, "", (int) getNIn(), layers, growthRate, bottleneck);
    }

    /** The maps composite layer l (1-based) reads. */
    int mapsBefore(int l) {
        return (int) getNIn() + (l - 1) * growthRate;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> trainingListeners, int layerIndex, INDArray layerParamsView,
            boolean initializeParams, DataType networkDataType) {
        if (!OwnLayers.enabledFor(networkDataType)) {
            throw new IllegalStateException(getLayerName() + ": a dense block layer runs on the CPU backend's float "
                    + "kernels; build the per-layer graph for " + networkDataType + " or a GPU");
        }
        return OwnLayers.wire(new DenseBlockLayer(conf, networkDataType), initializer(), conf, trainingListeners,
                layerIndex, layerParamsView, initializeParams);
    }

    @Override
    public ParamInitializer initializer() {
        return DenseBlockParams.INSTANCE;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        var in = channelsLast(inputType);
        return InputType.convolutional(in.getHeight(), in.getWidth(), in.getChannels() + (long) layers * growthRate,
                CNN2DFormat.NHWC);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (getNIn() <= 0 || override) {
            setNIn(channelsLast(inputType).getChannels());
        }
        setNOut(getNIn() + (long) layers * growthRate);
    }

    private InputType.InputTypeConvolutional channelsLast(InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeConvolutional c) || c.getFormat() != CNN2DFormat.NHWC) {
            throw new IllegalStateException(getLayerName() + ": a dense block takes NHWC maps, got " + inputType);
        }
        return c;
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    /** As the per-layer graph: every trainable parameter takes the network's weight decay, the running statistics none. */
    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return DenseBlockParams.isRunningStatistic(paramName) ? null : getRegularization();
    }

    /** As DL4J's batch norm: the running statistics are stepped by their "gradients" through a no-op updater. */
    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        return DenseBlockParams.isRunningStatistic(paramName) ? new NoOp() : getIUpdater();
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        long params = DenseBlockParams.INSTANCE.numParams(this);
        return new LayerMemoryReport.Builder(getLayerName(), DenseBlock.class, inputType, getOutputType(-1, inputType))
                .standardMemory(params, params).workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
    }

    public boolean isSplitBatch() {
        return splitBatch;
    }

    public void setSplitBatch(boolean splitBatch) {
        this.splitBatch = splitBatch;
    }

    @Override
    public DenseBlock clone() {
        return (DenseBlock) super.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DenseBlock other && other.layers == layers && other.growthRate == growthRate
                && other.bottleneck == bottleneck && other.recompute == recompute
                && other.recomputeBottleneck == recomputeBottleneck && other.splitBatch == splitBatch && other.decay == decay
                && other.eps == eps && super.equals(o);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(super.hashCode(), layers, growthRate, bottleneck, recompute, recomputeBottleneck,
                splitBatch, decay, eps);
    }
}
