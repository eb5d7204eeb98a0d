package sparkcnn.kernels.data;

import java.io.Serializable;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import sparkcnn.kernels.arch.Volume;

/**
 * A block of examples in their compact stored form: uint8 pixels, NCHW, one label and one global
 * id each. Blocks are what a Spark partition holds; floats are made only for the minibatch being
 * fitted, so a block costs a quarter of its float32 size.
 */
public record ExampleBlock(long[] ids, Volume shape, byte[] pixels, int[] labels) implements Serializable {

    public ExampleBlock {
        if ((long) labels.length * shape.size() != pixels.length || ids.length != labels.length) {
            throw new IllegalArgumentException("block of " + labels.length + " examples of " + shape + " needs "
                    + labels.length * shape.size() + " pixel bytes and as many ids, got " + pixels.length
                    + " bytes and " + ids.length + " ids");
        }
    }

    /** No examples. */
    public static ExampleBlock empty(Volume shape) {
        return new ExampleBlock(new long[0], shape, new byte[0], new int[0]);
    }

    /** Examples whose ids run from {@code firstId} upwards. */
    public static ExampleBlock contiguous(long firstId, Volume shape, byte[] pixels, int[] labels) {
        long[] ids = new long[labels.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = firstId + i;
        }
        return new ExampleBlock(ids, shape, pixels, labels);
    }

    public int size() {
        return labels.length;
    }

    /** Features scaled to [0, 1] in NCHW, no augmentation: {@code order[from..to)}. */
    public DataSet minibatch(int[] order, int from, int to, int classes) {
        return minibatch(order, from, to, classes, Preprocessing.scaleOnly(shape.depth()), 0);
    }

    /**
     * The examples {@code order[from..to)} as a minibatch: features preprocessed (augmented with
     * randomness fixed by {@code seed}) in NCHW, labels one-hot over {@code classes}.
     */
    public DataSet minibatch(int[] order, int from, int to, int classes, Preprocessing pre, long seed) {
        int n = to - from;
        int exampleSize = (int) shape.size();
        Volume input = pre.output(shape);
        int inputSize = (int) input.size();
        float[] features = new float[n * inputSize];
        float[] oneHot = new float[n * classes];
        var random = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            int example = order[from + i];
            pre.apply(pixels, example * exampleSize, shape, features, i * inputSize, random);
            int label = labels[example];
            if (label < 0 || label >= classes) {
                throw new IllegalArgumentException("example " + ids[example] + " has label " + label
                        + ", outside 0.." + (classes - 1));
            }
            oneHot[i * classes + label] = 1f;
        }
        INDArray x = Nd4j.create(features, new long[] {n, input.depth(), input.height(), input.width()}, 'c');
        INDArray y = Nd4j.create(oneHot, new long[] {n, classes}, 'c');
        return new DataSet(x, y);
    }

    /** 0, 1, ..., size-1: the block in stored order. */
    public int[] storedOrder() {
        int[] order = new int[size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        return order;
    }

    /** A permutation of the block that depends only on {@code seed} (Fisher-Yates). */
    public int[] shuffledOrder(long seed) {
        return shuffledOrder(size(), seed);
    }

    /** A permutation of 0..size-1 that depends only on {@code seed} (Fisher-Yates). */
    public static int[] shuffledOrder(int size, long seed) {
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        var random = new SplittableRandom(seed);
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
