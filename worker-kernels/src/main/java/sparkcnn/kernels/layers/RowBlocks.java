package sparkcnn.kernels.layers;

/**
 * How the NHWC kernels walk M = N H W rows of c channels: the worker's threads take contiguous
 * ranges of rows, and each runs down them in blocks of {@link #ROWS} rows (fewer where rows are
 * wide: {@link #VALUES}) as one flat run of values staged in its own scratch arrays, with each
 * per-channel constant repeated across the block ({@link #tile}), so the loops are long and the JIT
 * vectorises them whatever c is (row by row, c = 24..84 is too short a loop to vectorise). Sums stay
 * per block position in float and fold into per-channel doubles every {@link #BLOCKS_PER_FOLD} blocks.
 */
final class RowBlocks {
    /** Rows per block at most: enough for the narrowest maps (c = 24) to make a loop the JIT vectorises. */
    static final int ROWS = 32;
    /**
     * Values per block, where c is wide enough to fill it with fewer rows: a dense block's backward
     * holds nine block-sized arrays (x, dy, the gradient, four tiled constants, two sums), which at 32
     * rows of DenseNet-121's 160-1,000 maps left L2 (1.5-3x slower per value than at 2,048 values).
     */
    static final int VALUES = 2048;
    /** Blocks summed in float before the sums move to double. */
    private static final int BLOCKS_PER_FOLD = 64;
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[3][0]);

    private RowBlocks() {
    }

    @FunctionalInterface
    interface Block {
        /** Rows from {@code first}, {@code width} values of x and (when read) dy in this thread's scratch. */
        void run(int first, int width, float[] xs, float[] gs);
    }

    @FunctionalInterface
    interface PartSums {
        void run(int part, Folding sums);
    }

    /** A per-channel vector repeated for every row of a block. */
    static float[] tile(float[] perChannel) {
        int c = perChannel.length;
        int rows = rows(c);
        float[] tiled = new float[rows * c];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(perChannel, 0, tiled, r * c, c);
        }
        return tiled;
    }

    /** This thread's third scratch array, of at least a block's values (for read-modify-write). */
    static float[] held() {
        return SCRATCH.get()[2];
    }

    /**
     * Runs {@code body} for every part on the worker's threads with {@code sums} float accumulators
     * per position of a block, and returns them folded to per-channel doubles: [part][sum][channel].
     */
    static double[][][] perPart(int rows, int c, int sums, PartSums body) {
        int parts = parts(rows);
        double[][][] totals = new double[parts][sums][c];
        Threads.inParallel(parts, part -> {
            var folding = new Folding(new float[sums][rows(c) * c], totals[part], c);
            body.run(part, folding);
            folding.fold();
        });
        return totals;
    }

    /** Sum {@code sum} of one channel over all parts. */
    static double total(double[][][] totals, int sum, int channel) {
        double t = 0;
        for (double[][] part : totals) {
            t += part[sum][channel];
        }
        return t;
    }

    /** Float accumulators per block position that move into per-channel doubles every so many blocks. */
    static final class Folding {
        final float[][] accumulators;
        private final double[][] totals;
        private final int c;
        private int blocks;

        Folding(float[][] accumulators, double[][] totals, int c) {
            this.accumulators = accumulators;
            this.totals = totals;
            this.c = c;
        }

        void afterBlock() {
            if (++blocks % BLOCKS_PER_FOLD == 0) {
                fold();
            }
        }

        /** Row by row, channel by channel: no index modulo (an integer division per value cost 15% of a pass). */
        void fold() {
            for (int sum = 0; sum < accumulators.length; sum++) {
                float[] acc = accumulators[sum];
                double[] total = totals[sum];
                for (int row = 0; row < acc.length; row += c) {
                    for (int ch = 0; ch < c; ch++) {
                        total[ch] += acc[row + ch];
                    }
                }
                java.util.Arrays.fill(acc, 0f);
            }
        }
    }

    /**
     * The blocks of rows of one part, x (and dy when given) loaded into this thread's scratch
     * arrays; with sums, folds them every {@link #BLOCKS_PER_FOLD} blocks.
     */
    static void forEachBlock(int rows, int part, int c, ChannelRows x, ChannelRows dy, Folding sums, Block block) {
        float[][] scratch = SCRATCH.get();
        int blockRows = rows(c);
        for (int i = 0; i < scratch.length; i++) {
            if (scratch[i].length < blockRows * c) {
                scratch[i] = new float[blockRows * c];
            }
        }
        float[] xs = scratch[0];
        float[] gs = scratch[1];
        int parts = parts(rows);
        int from = (int) ((long) rows * part / parts);
        int to = (int) ((long) rows * (part + 1) / parts);
        for (int first = from; first < to; first += blockRows) {
            int count = Math.min(blockRows, to - first);
            x.load(first, count, c, xs);
            if (dy != null) {
                dy.load(first, count, c, gs);
            }
            block.run(first, count * c, xs, gs);
            if (sums != null) {
                sums.afterBlock();
            }
        }
    }

    /** Runs {@code block} over every block of rows on the worker's threads. */
    static void inParallel(int rows, int c, ChannelRows x, ChannelRows dy, Block block) {
        Threads.inParallel(parts(rows), part -> forEachBlock(rows, part, c, x, dy, null, block));
    }

    /** Rows per block for rows of c channels. */
    static int rows(int c) {
        return Math.max(1, Math.min(ROWS, VALUES / c));
    }

    static int parts(int rows) {
        return Math.max(1, Math.min(Threads.perWorker(), rows / ROWS));
    }
}
