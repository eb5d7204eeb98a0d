package sparkcnn.driver.data;

import java.util.Arrays;
import java.util.List;
import sparkcnn.kernels.data.ExampleBlock;
import sparkcnn.kernels.train.WorkerStep;

/** A shard decoded once and held in its executor's memory; each epoch visits it in a fresh order. */
public record CachedShard(ExampleBlock block) implements Shard {

    @Override
    public int size() {
        return block.size();
    }

    @Override
    public long firstId() {
        return block.size() == 0 ? 0 : block.ids()[0];
    }

    @Override
    public Slice slice(long seed, int epoch, int from, int to) {
        int[] order = WorkerStep.epochOrder(block, seed, epoch);
        int n = Math.max(0, Math.min(to, size()) - from);
        int exampleSize = (int) block.shape().size();
        long[] ids = new long[n];
        int[] labels = new int[n];
        byte[] pixels = new byte[n * exampleSize];
        for (int i = 0; i < n; i++) {
            int example = order[from + i];
            ids[i] = block.ids()[example];
            labels[i] = block.labels()[example];
            System.arraycopy(block.pixels(), example * exampleSize, pixels, i * exampleSize, exampleSize);
        }
        return new Slice(new ExampleBlock(ids, block.shape(), pixels, labels), List.of());
    }

    /** The block's labels, for checks on the driver. */
    int maxLabel() {
        return Arrays.stream(block.labels()).max().orElse(-1);
    }
}
