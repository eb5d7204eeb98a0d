package sparkcnn.kernels.net;

import sparkcnn.kernels.arch.DenseBlockSpec;
import sparkcnn.kernels.layers.DenseBlock;

/**
 * Where a DenseNet's dense blocks run as one layer each ({@link sparkcnn.kernels.layers.DenseBlock}):
 * wherever the channels-last layers run, unless {@code -Dsparkcnn.dense-blocks=false} builds them
 * layer by layer (for side-by-side measurement). A block keeps its first BN-ReLU outputs for
 * backward only while they are few: layer l's output has c_l maps, so keeping them all holds
 * sum(c_l) maps per pixel, quadratic in the depth. Above {@link #KEEP_UP_TO_MAPS} (moved with
 * {@code -Dsparkcnn.dense-blocks.keep-up-to-maps=N}) the block recomputes them from the block
 * buffer instead: DenseNet-BC-40's first blocks (324 and 468 maps) keep theirs, 5% faster for 30%
 * more memory (bench/results/dense-block.md); DenseNet-121's (864 to 15,360) recompute. That is
 * {@code model.recompute = auto}; {@link DenseBlockSpec.Recompute} has the other choices.
 */
public final class DenseBlocks {
    public static final String PROPERTY = "sparkcnn.dense-blocks";
    public static final int KEEP_UP_TO_MAPS = 512;

    private DenseBlocks() {
    }

    static boolean enabled() {
        return !System.getProperty(PROPERTY, "true").equalsIgnoreCase("false");
    }

    /** The block as one layer, recomputing as its spec says. */
    static DenseBlock layer(DenseBlockSpec block) {
        var layer = new DenseBlock(block.layers(), block.growthRate(), block.bottleneck(), recomputesBnRelu(block));
        layer.setRecomputeBottleneck(block.recompute() == DenseBlockSpec.Recompute.ALL);
        return layer;
    }

    static boolean recomputesBnRelu(DenseBlockSpec block) {
        return switch (block.recompute()) {
            case AUTO -> block.keptMaps() > Integer.getInteger(PROPERTY + ".keep-up-to-maps", KEEP_UP_TO_MAPS);
            case BN_RELU, ALL -> true;
            case NONE -> false;
        };
    }
}
