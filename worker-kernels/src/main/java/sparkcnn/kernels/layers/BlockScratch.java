package sparkcnn.kernels.layers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The working memory of dense blocks (Pleiss et al.'s shared buffers): the BN-ReLU outputs, the
 * bottleneck's output where it is not kept, one layer's new maps and their gradients. Nothing in it
 * outlives one composite layer's forward or backward, so all blocks a thread runs share one set,
 * sized for the largest need seen, outside DL4J's workspaces: a network's blocks run one after
 * another on one thread, and Spark's workers in one JVM each have their own thread and set.
 */
final class BlockScratch {
    private static final ThreadLocal<INDArray[]> BUFFERS = ThreadLocal.withInitial(() -> new INDArray[6]);
    private static final int Z1 = 0, DZ1 = 1, Z2 = 2, B = 3, DZ2 = 4, Y = 5;

    private final long[] nhw;
    private final INDArray[] buffers;

    private BlockScratch(long[] nhw, INDArray[] buffers) {
        this.nhw = nhw;
        this.buffers = buffers;
    }

    /**
     * This thread's scratch for inputs of {@code nhw} (N, H, W), layers reading up to {@code widest}
     * maps, bottlenecks of that many maps (or 0) and growth rate k; grown where it is too small.
     */
    static BlockScratch forThread(long[] nhw, int widest, int bottleneckMaps, int growthRate) {
        INDArray[] buffers = BUFFERS.get();
        long rows = nhw[0] * nhw[1] * nhw[2];
        long[] needed = {rows * widest, rows * widest, rows * bottleneckMaps, rows * bottleneckMaps,
                rows * bottleneckMaps, rows * growthRate};
        for (int i = 0; i < buffers.length; i++) {
            if (needed[i] > 0 && (buffers[i] == null || buffers[i].length() < needed[i])) {
                buffers[i] = Nd4j.createUninitializedDetached(DataType.FLOAT, needed[i]);
            }
        }
        return new BlockScratch(nhw.clone(), buffers);
    }

    int rows() {
        return (int) (nhw[0] * nhw[1] * nhw[2]);
    }

    /** The first BN-ReLU's output for a layer reading c maps. */
    INDArray z1(int c) {
        return view(Z1, c);
    }

    INDArray dz1(int c) {
        return view(DZ1, c);
    }

    INDArray z2(int c) {
        return view(Z2, c);
    }

    INDArray bottleneck(int c) {
        return view(B, c);
    }

    INDArray dz2(int c) {
        return view(DZ2, c);
    }

    /** One layer's k new maps, or their gradient. */
    INDArray newMaps(int k) {
        return view(Y, k);
    }

    /**
     * The last c maps a layer's first batch norm read, copied dense in its backward for their
     * finishing pass, which the layer before runs first. They share the first BN-ReLU output's
     * memory: written after the layer's convolution has read that output, read before the layer
     * before recomputes its own.
     */
    INDArray lastRead(int c) {
        return view(Z1, c);
    }

    /** The shape (N, H, W, c). */
    long[] shape(int c) {
        return new long[] {nhw[0], nhw[1], nhw[2], c};
    }

    /** An array of one's own, outside the workspaces. */
    static INDArray allocate(long[] shape) {
        return Nd4j.createUninitializedDetached(DataType.FLOAT, shape);
    }

    /** The dense (N, H, W, c) array at the start of buffer {@code which}. */
    private INDArray view(int which, int c) {
        long length = nhw[0] * nhw[1] * nhw[2] * c;
        return buffers[which].get(NDArrayIndex.interval(0, length)).reshape('c', nhw[0], nhw[1], nhw[2], c);
    }
}
