package sparkcnn.kernels.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.junit.jupiter.api.Test;
import sparkcnn.kernels.arch.DenseBlockSpec;
import sparkcnn.kernels.arch.DenseNet;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.layers.Convolution;
import sparkcnn.kernels.layers.DenseBlock;
import sparkcnn.kernels.optim.Optimizer;

/** Each choice of {@link LayerOptions} reaches the layers' configurations, and survives their JSON (what workers build from). */
class LayerOptionsTest {
    private static final Optimizer SGD = Optimizer.constant("nesterovs", 0.1, 0.9, 0);
    private static final DenseNet BC = DenseNet.cifar(16, 12, true, 0.5, new Volume(16, 16, 3), 10, 0)
            .withRecompute(DenseBlockSpec.Recompute.AUTO);

    /** The layers of BC built with {@code options}, read back from the configuration's JSON. */
    private static List<Layer> layers(LayerOptions options) {
        var json = GraphBuilder.build(BC.architecture(), SGD, 1, options).toJson();
        return ComputationGraphConfiguration.fromJson(json).getVertices().values().stream()
                .filter(v -> v instanceof LayerVertex).map(v -> ((LayerVertex) v).getLayerConf().getLayer()).toList();
    }

    private static <T> List<T> of(List<Layer> layers, Class<T> kind) {
        return layers.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    @Test
    void theDefaultsAreTheMeasuredFasterChoices() {
        var layers = layers(LayerOptions.DEFAULT);
        assertEquals(3, of(layers, DenseBlock.class).size(), "a dense block as one layer");
        assertTrue(of(layers, Convolution.class).stream().anyMatch(Convolution::isPoolFirst), "transitions pool first");
        assertTrue(of(layers, Convolution.class).stream().allMatch(Convolution::isSplitBatch));
        assertTrue(of(layers, DenseBlock.class).stream().allMatch(DenseBlock::isSplitBatch));
    }

    @Test
    void eachChoiceTurnedOffBuildsTheOtherForm() {
        var dl4j = layers(LayerOptions.DEFAULT.withOwnLayers(false));
        assertTrue(of(dl4j, Convolution.class).isEmpty() && of(dl4j, DenseBlock.class).isEmpty(), "DL4J's layers only");

        var perLayer = layers(LayerOptions.DEFAULT.withDenseBlocks(false));
        assertTrue(of(perLayer, DenseBlock.class).isEmpty());
        assertTrue(of(perLayer, Convolution.class).size() > 12, "every composite layer's convolutions");

        assertFalse(of(layers(LayerOptions.DEFAULT.withPoolFirst(false)), Convolution.class).stream()
                .anyMatch(Convolution::isPoolFirst));

        var whole = layers(LayerOptions.DEFAULT.withSplitBatch(false));
        assertTrue(of(whole, Convolution.class).stream().noneMatch(Convolution::isSplitBatch));
        assertTrue(of(whole, DenseBlock.class).stream().noneMatch(DenseBlock::isSplitBatch));
    }

    @Test
    void autoRecomputationKeepsTheBnReluOutputsUpToTheGivenMaps() {
        var firstBlock = BC.architecture().denseBlocks().get(0);
        int kept = firstBlock.keptMaps();
        assertFalse(DenseBlocks.recomputesBnRelu(firstBlock, kept));
        assertTrue(DenseBlocks.recomputesBnRelu(firstBlock, kept - 1));
        var recomputing = new LayerOptions(true, true, kept - 1, true, true);
        assertTrue(of(layers(recomputing), DenseBlock.class).get(0).isRecompute());
        assertFalse(of(layers(new LayerOptions(true, true, kept, true, true)), DenseBlock.class).get(0).isRecompute());
    }
}
