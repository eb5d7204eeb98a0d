package sparkcnn.kernels.layers;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import sparkcnn.kernels.arch.DenseBlockSpec;
import sparkcnn.kernels.arch.DenseBlockSpec.Part;

/**
 * Composite layer l of a dense block: BN-ReLU-Conv3x3, with BN-ReLU-Conv1x1 to 4k maps first in
 * a bottleneck block. It reads the first c_l maps of the block buffer where they are and writes its
 * k new maps after them; in backward it adds its input gradient into the block's gradient buffer.
 * Kept for backward: the batch statistics and the bottleneck's output (4k maps) unless the block
 * recomputes it too; the BN-ReLU outputs are recomputed from those unless the block keeps them.
 */
final class CompositeLayer {
    private final DenseBlockLayer block;
    private final int in;
    private final int k;
    private final boolean bottleneck;
    private final BlockBatchNorm bn1;
    private final BlockBatchNorm bn2;
    private final OneDnnConvolution conv1;
    private final OneDnnConvolution conv2;
    private final String conv1Weights;
    private final String conv2Weights;
    /** Kept from the training forward: the bottleneck's output; without recomputation the BN-ReLU outputs too. */
    private INDArray keptBottleneck, keptZ1, keptZ2;

    CompositeLayer(DenseBlockLayer block, int l) {
        var conf = block.layerConf();
        this.block = block;
        this.in = conf.mapsBefore(l);
        this.k = conf.getGrowthRate();
        this.bottleneck = conf.isBottleneck();
        int mid = bottleneck ? 4 * k : in;
        bn1 = new BlockBatchNorm(block, DenseBlockSpec.part(l, Part.BN1, bottleneck), in);
        bn2 = bottleneck ? new BlockBatchNorm(block, DenseBlockSpec.part(l, Part.BN2, true), mid) : null;
        conv1Weights = bottleneck ? DenseBlockParams.weightsKey(DenseBlockSpec.part(l, Part.CONV1, true)) : null;
        conv2Weights = DenseBlockParams.weightsKey(DenseBlockSpec.part(l, Part.CONV2, bottleneck));
        String name = block.layerId() + " layer " + l;
        conv1 = bottleneck ? new OneDnnConvolution(new OneDnnConvolution.Kernel(name + " conv1x1", in, mid,
                new int[] {1, 1}, new int[] {1, 1}, new int[] {0, 0}, false, false), conf.isSplitBatch()) : null;
        conv2 = new OneDnnConvolution(new OneDnnConvolution.Kernel(name + " conv3x3", mid, k,
                new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, false, false), conf.isSplitBatch());
    }

    /**
     * Reads maps [0, c_l) of {@code blockBuffer} (rows of {@code channels}), writes maps [c_l, c_l + k);
     * when training ({@code statistics} given), their batch statistics are read from and added to the block's.
     */
    void forward(BlockStatistics statistics, FloatBuffer blockBuffer, int channels, BlockScratch scratch) {
        int rows = scratch.rows();
        boolean training = statistics != null;
        boolean keep = training && !block.layerConf().isRecompute();
        INDArray z1 = keep ? (keptZ1 = reuse(keptZ1, scratch, in)) : scratch.z1(in);
        bn1.forward(statistics, prefix(blockBuffer, channels), Plain.floats(z1), rows);
        INDArray y = scratch.newMaps(k);
        if (bottleneck) {
            boolean keepBottleneck = training && !block.layerConf().isRecomputeBottleneck();
            INDArray b = keepBottleneck ? (keptBottleneck = reuse(keptBottleneck, scratch, 4 * k)) : scratch.bottleneck(4 * k);
            conv1.forward(z1, block.getParam(conv1Weights), null, b);
            INDArray z2 = keep ? (keptZ2 = reuse(keptZ2, scratch, 4 * k)) : scratch.z2(4 * k);
            bn2.forward(training, b, z2);
            conv2.forward(z2, block.getParam(conv2Weights), null, y);
        } else {
            conv2.forward(z1, block.getParam(conv2Weights), null, y);
        }
        DenseBlockLayer.write(statistics, Plain.floats(y), blockBuffer, channels, in, k, rows);
    }

    /**
     * From the gradient of this layer's k maps as every later layer summed it ({@code own}; finished
     * with the block's {@code statistics}), the weights' and batch norms' gradients; adds this layer's
     * part of the gradient of maps [0, c_l) into {@code gradients}, except the last
     * {@code lastRead.channels()} maps', which go to {@code lastRead}: no later pass reads them there.
     */
    void backward(BlockStatistics statistics, FloatBuffer blockBuffer, FloatBuffer gradients, int channels,
                  BlockScratch scratch, PendingMaps own, PendingMaps lastRead) {
        int rows = scratch.rows();
        INDArray dy = scratch.newMaps(k);
        statistics.finish(own, ChannelRows.dense(Plain.floats(dy), k), in);
        INDArray dz1 = scratch.dz1(in);
        if (bottleneck) {
            INDArray z1 = z1(blockBuffer, channels, scratch);
            INDArray b = bottleneckOutput(z1, scratch);
            INDArray z2 = keptZ2;
            if (block.layerConf().isRecompute()) {
                z2 = scratch.z2(4 * k);
                bn2.recompute(b, z2);
            }
            INDArray dz2 = scratch.dz2(4 * k);
            conv2.backward(z2, dy, block.getParam(conv2Weights), dz2, block.gradientView(conv2Weights), null);
            bn2.backward(b, dz2, dz2); // in place: its dy is read by no one else
            conv1.backward(z1, dz2, block.getParam(conv1Weights), dz1, block.gradientView(conv1Weights), null);
        } else {
            conv2.backward(z1(blockBuffer, channels, scratch), dy, block.getParam(conv2Weights), dz1,
                    block.gradientView(conv2Weights), null);
        }
        bn1.backward(statistics, prefix(blockBuffer, channels), Plain.floats(dz1), prefix(gradients, channels), lastRead,
                rows);
    }

    /** The bottleneck's output of the last training forward: kept, or its 1x1 convolution run again on z1. */
    private INDArray bottleneckOutput(INDArray z1, BlockScratch scratch) {
        if (!block.layerConf().isRecomputeBottleneck()) {
            return keptBottleneck;
        }
        INDArray b = scratch.bottleneck(4 * k);
        conv1.forward(z1, block.getParam(conv1Weights), null, b);
        return b;
    }

    /** The first BN-ReLU's output of the last training forward: kept, or recomputed from the block buffer. */
    private INDArray z1(FloatBuffer blockBuffer, int channels, BlockScratch scratch) {
        if (!block.layerConf().isRecompute()) {
            return keptZ1;
        }
        INDArray z1 = scratch.z1(in);
        bn1.recompute(prefix(blockBuffer, channels), Plain.floats(z1), scratch.rows());
        return z1;
    }

    /** Maps [0, c_l) of rows of {@code channels} maps. */
    private ChannelRows prefix(FloatBuffer values, int channels) {
        return new ChannelRows(values, channels);
    }

    /** {@code held} when it has the scratch's shape and c maps, else a new array of that shape. */
    private static INDArray reuse(INDArray held, BlockScratch scratch, int c) {
        long[] shape = scratch.shape(c);
        return held != null && java.util.Arrays.equals(held.shape(), shape) ? held : BlockScratch.allocate(shape);
    }
}
