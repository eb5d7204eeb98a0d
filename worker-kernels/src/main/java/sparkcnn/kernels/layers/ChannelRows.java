package sparkcnn.kernels.layers;

import java.nio.FloatBuffer;

/**
 * NHWC rows of c channels, row r from {@code r * pitch} in {@code values}: dense when pitch = c,
 * or c channels of a wider buffer (a dense block's channel prefix, or one layer's k new maps),
 * read and written where they are, with no copy of the rest.
 */
record ChannelRows(FloatBuffer values, int pitch) {
    /** Rows per staged block: a block stays in L1/L2. */
    private static final int BLOCK_ROWS = 32;

    static ChannelRows dense(FloatBuffer values, int c) {
        return new ChannelRows(values, c);
    }

    /** Channels from {@code first} on of the rows of {@code channels} channels in {@code values}. */
    static ChannelRows slice(FloatBuffer values, int channels, int first) {
        return new ChannelRows(values.duplicate().position(first).slice(), channels);
    }

    /** Rows [first, first + count) into {@code into}, dense. */
    void load(int first, int count, int c, float[] into) {
        if (pitch == c) {
            values.get(first * c, into, 0, count * c);
            return;
        }
        for (int r = 0; r < count; r++) {
            values.get((first + r) * pitch, into, r * c, c);
        }
    }

    /** Dense rows from {@code from} into rows [first, first + count). */
    void store(int first, int count, int c, float[] from) {
        if (pitch == c) {
            values.put(first * c, from, 0, count * c);
            return;
        }
        for (int r = 0; r < count; r++) {
            values.put((first + r) * pitch, from, r * c, c);
        }
    }

    /** Channels [from, from + width) of dense rows of c in {@code rowsOfC} into rows [first, first + count). */
    void storeChannels(int first, int count, int c, int from, int width, float[] rowsOfC) {
        if (from == 0 && width == c) {
            store(first, count, c, rowsOfC);
            return;
        }
        for (int r = 0; width > 0 && r < count; r++) {
            values.put((first + r) * pitch, rowsOfC, r * c + from, width);
        }
    }

    /** Copies c channels of {@code rows} rows from one buffer's rows to another's, on the worker's threads. */
    static void copy(ChannelRows from, ChannelRows to, int rows, int c) {
        int parts = Math.max(1, Math.min(Threads.perWorker(), rows / BLOCK_ROWS));
        KernelClock.time("dense block channel copy", () -> Threads.inParallel(parts, part -> {
            float[] block = new float[BLOCK_ROWS * c];
            int end = (int) ((long) rows * (part + 1) / parts);
            for (int first = (int) ((long) rows * part / parts); first < end; first += BLOCK_ROWS) {
                int count = Math.min(BLOCK_ROWS, end - first);
                from.load(first, count, c, block);
                to.store(first, count, c, block);
            }
        }));
    }
}
