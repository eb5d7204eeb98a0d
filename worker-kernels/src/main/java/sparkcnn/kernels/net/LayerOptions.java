package sparkcnn.kernels.net;

import java.io.Serializable;

/**
 * How a network's layers are built where the CPU backend runs this module's own layers. Each
 * default is the measured faster choice (bench/results); the others stay for side-by-side
 * measurement. Chosen where the graph is built ({@link GraphBuilder}) and carried in the layers'
 * configurations, so every worker that builds the network from its JSON computes it alike and
 * nothing global changes under a running job.
 *
 * @param ownLayers    this module's channels-last layers on the x86-64 CPU backend ({@link LayerSet});
 *                     false: DL4J's NCHW layers
 * @param denseBlocks  a dense block as one layer ({@link DenseBlocks}); false: layer by layer
 * @param keepUpToMaps {@code model.recompute = auto} keeps a block's BN-ReLU outputs up to this many maps per pixel
 * @param poolFirst    a transition pools before its 1x1 convolution (they commute; a quarter of the positions)
 * @param splitBatch   a convolution's minibatch split between the worker's threads; false: oneDNN's threads share it
 */
public record LayerOptions(boolean ownLayers, boolean denseBlocks, int keepUpToMaps, boolean poolFirst,
                           boolean splitBatch) implements Serializable {
    public static final LayerOptions DEFAULT = new LayerOptions(true, true, DenseBlocks.KEEP_UP_TO_MAPS, true, true);

    public LayerOptions {
        if (keepUpToMaps < 0) {
            throw new IllegalArgumentException("keep-up-to-maps must be >= 0, got " + keepUpToMaps);
        }
    }

    public LayerOptions withOwnLayers(boolean own) {
        return new LayerOptions(own, denseBlocks, keepUpToMaps, poolFirst, splitBatch);
    }

    public LayerOptions withDenseBlocks(boolean blocks) {
        return new LayerOptions(ownLayers, blocks, keepUpToMaps, poolFirst, splitBatch);
    }

    public LayerOptions withPoolFirst(boolean first) {
        return new LayerOptions(ownLayers, denseBlocks, keepUpToMaps, first, splitBatch);
    }

    public LayerOptions withSplitBatch(boolean split) {
        return new LayerOptions(ownLayers, denseBlocks, keepUpToMaps, poolFirst, split);
    }
}
