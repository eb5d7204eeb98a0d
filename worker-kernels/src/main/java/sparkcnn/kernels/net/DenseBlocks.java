package sparkcnn.kernels.net;

import sparkcnn.kernels.arch.DenseBlockSpec;
import sparkcnn.kernels.layers.DenseBlock;

/**
 * A DenseNet's dense block as one layer ({@link sparkcnn.kernels.layers.DenseBlock}), wherever the
 * channels-last layers run and {@link LayerOptions#denseBlocks} (else the graph builds it layer by
 * layer). A block keeps its first BN-ReLU outputs for backward only while they are few: layer l's
 * output has c_l maps, so keeping them all holds sum(c_l) maps per pixel, quadratic in the depth.
 * Above {@link LayerOptions#keepUpToMaps} ({@link #KEEP_UP_TO_MAPS} by default) the block
 * recomputes them from the block buffer instead: DenseNet-BC-40's first blocks (324 and 468 maps) keep theirs, 5% faster for 30%
 * more memory (bench/results/dense-block.md); DenseNet-121's (864 to 15,360) recompute. That is
 * {@code model.recompute = auto}; {@link DenseBlockSpec.Recompute} has the other choices.
 */
public final class DenseBlocks {
    public static final int KEEP_UP_TO_MAPS = 512;

    private DenseBlocks() {
    }

    /** The block as one layer, recomputing as its spec says. */
    static DenseBlock layer(DenseBlockSpec block, LayerOptions options) {
        var layer = new DenseBlock(block.layers(), block.growthRate(), block.bottleneck(),
                recomputesBnRelu(block, options.keepUpToMaps()));
        layer.setRecomputeBottleneck(block.recompute() == DenseBlockSpec.Recompute.ALL);
        layer.setSplitBatch(options.splitBatch());
        return layer;
    }

    static boolean recomputesBnRelu(DenseBlockSpec block, int keepUpToMaps) {
        return switch (block.recompute()) {
            case AUTO -> block.keptMaps() > keepUpToMaps;
            case BN_RELU, ALL -> true;
            case NONE -> false;
        };
    }
}
