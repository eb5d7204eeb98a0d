package sparkcnn.kernels.layers;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A dense block's working memory for one input shape, shared by its composite layers (Pleiss et
 * al.'s shared buffers): the BN-ReLU outputs, the bottleneck's output at inference, one layer's new
 * maps and their gradients, each sized for the widest layer. Outside DL4J's workspaces, made once
 * per shape and reused by every pass.
 */
final class BlockScratch {
    private final long[] nhw;
    private final INDArray z1, dz1, z2, b, dz2, y;

    /** For inputs of {@code nhw} (N, H, W), layers reading up to {@code widest} maps, bottlenecks of that many (or 0). */
    BlockScratch(long[] nhw, int widest, int bottleneckMaps, int growthRate) {
        this.nhw = nhw.clone();
        z1 = allocate(nhw, widest);
        dz1 = allocate(nhw, widest);
        z2 = bottleneckMaps == 0 ? null : allocate(nhw, bottleneckMaps);
        b = bottleneckMaps == 0 ? null : allocate(nhw, bottleneckMaps);
        dz2 = bottleneckMaps == 0 ? null : allocate(nhw, bottleneckMaps);
        y = allocate(nhw, growthRate);
    }

    boolean fits(long[] shape) {
        return Arrays.equals(nhw, shape);
    }

    int rows() {
        return (int) (nhw[0] * nhw[1] * nhw[2]);
    }

    /** The first BN-ReLU's output for a layer reading c maps. */
    INDArray z1(int c) {
        return view(z1, c);
    }

    INDArray dz1(int c) {
        return view(dz1, c);
    }

    INDArray z2(int c) {
        return view(z2, c);
    }

    INDArray bottleneck(int c) {
        return view(b, c);
    }

    INDArray dz2(int c) {
        return view(dz2, c);
    }

    /** One layer's k new maps, or their gradient. */
    INDArray newMaps(int k) {
        return view(y, k);
    }

    /** The shape (N, H, W, c). */
    long[] shape(int c) {
        return new long[] {nhw[0], nhw[1], nhw[2], c};
    }

    /** An array of one's own, outside the workspaces. */
    static INDArray allocate(long[] shape) {
        return Nd4j.createUninitializedDetached(DataType.FLOAT, shape);
    }

    private static INDArray allocate(long[] nhw, int c) {
        return allocate(new long[] {nhw[0], nhw[1], nhw[2], c});
    }

    /** The dense (N, H, W, c) array at the start of {@code buffer}. */
    private INDArray view(INDArray buffer, int c) {
        long length = nhw[0] * nhw[1] * nhw[2] * c;
        return buffer.reshape(buffer.length()).get(NDArrayIndex.interval(0, length)).reshape('c', nhw[0], nhw[1], nhw[2], c);
    }
}
