package sparkcnn.kernels.net;

import sparkcnn.kernels.arch.DenseBlockSpec;

/**
 * Where a DenseNet's dense blocks run as one layer each ({@link sparkcnn.kernels.layers.DenseBlock}):
 * wherever the channels-last layers run, unless {@code -Dsparkcnn.dense-blocks=false} builds them
 * layer by layer (for side-by-side measurement). A block recomputes its BN-ReLU outputs in
 * backward from {@link #RECOMPUTE_FROM} composite layers on: below that the quadratic memory of
 * keeping them is small, and keeping them saves the recomputation.
 */
public final class DenseBlocks {
    public static final String PROPERTY = "sparkcnn.dense-blocks";
    /** Composite layers from which a block recomputes (bench/results/dense-block.md). */
    public static final int RECOMPUTE_FROM = 1;

    private DenseBlocks() {
    }

    static boolean enabled() {
        return !System.getProperty(PROPERTY, "true").equalsIgnoreCase("false");
    }

    static boolean recomputes(DenseBlockSpec block) {
        return block.layers() >= RECOMPUTE_FROM;
    }
}
