package sparkcnn.driver.data;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import sparkcnn.kernels.data.ExampleBlock;

/**
 * The streamed shards open in this executor JVM. A shard's reader stays between rounds (Spark
 * prefers to run a worker's next task where its shard's plan is cached), loading the next units
 * on background threads while the worker fits and while the driver averages. A read at any other
 * position (a retried task, a task moved to another executor, a resumed run) starts the stream
 * afresh there: the order is fixed by the shard, so the examples are the same.
 */
final class ShardReaders {
    /** Readers kept open; the least recently used idle ones are closed beyond this. */
    private static final int OPEN_LIMIT = 8;
    private static final Map<String, Reader> OPEN = new LinkedHashMap<>(16, 0.75f, true);

    private ShardReaders() {
    }

    static Shard.Slice read(StreamedShard shard, int from, int to) {
        Reader reader;
        synchronized (OPEN) {
            reader = OPEN.computeIfAbsent(shard.key(), k -> new Reader(shard));
            reader.users++;
            // close the least recently used readers beyond the limit, never one a task is reading
            var it = OPEN.entrySet().iterator();
            while (OPEN.size() > OPEN_LIMIT && it.hasNext()) {
                Reader eldest = it.next().getValue();
                if (eldest.users == 0) {
                    eldest.close();
                    it.remove();
                }
            }
        }
        try {
            synchronized (reader) {
                return reader.read(from, to);
            }
        } finally {
            synchronized (OPEN) {
                reader.users--;
            }
        }
    }

    /** One shard's stream: units loaded in order, at most {@code prefetch} ahead. */
    private static final class Reader {
        private final StreamedShard shard;
        private final int[] startOf; // example position where each unit starts
        private final ExecutorService pool;
        private final Deque<Future<Shard.Slice>> ahead = new ArrayDeque<>();
        private int nextUnit;       // the unit the first future of 'ahead' loads
        private int submitted;      // units submitted so far
        private Shard.Slice current; // the unit being read, and where in it
        private int currentUnit = -1;
        private int users; // tasks reading now (guarded by OPEN)

        Reader(StreamedShard shard) {
            this.shard = shard;
            this.startOf = new int[shard.units().size() + 1];
            for (int i = 0; i < shard.units().size(); i++) {
                startOf[i + 1] = startOf[i] + shard.units().get(i).size();
            }
            this.pool = Executors.newFixedThreadPool(Math.max(1, shard.threads()), r -> {
                Thread t = new Thread(r, "sparkcnn-shard-reader");
                t.setDaemon(true);
                return t;
            });
        }

        /** Examples at positions [from, to) of the planned order, skipping rejected files. */
        Shard.Slice read(int from, int to) {
            List<ExampleBlock> blocks = new ArrayList<>();
            List<String> rejected = new ArrayList<>();
            int position = from;
            while (position < to) {
                int unit = unitAt(position);
                Shard.Slice loaded = unit(unit);
                int offset = position - startOf[unit];
                int end = Math.min(to, startOf[unit + 1]) - startOf[unit];
                ExampleBlock examples = loaded.examples();
                if (offset == 0) {
                    rejected.addAll(loaded.rejected()); // a unit's rejects count once, with its first position
                }
                if (examples.size() == shard.units().get(unit).size()) {
                    blocks.add(ExportedSource.slice(examples, offset, end));
                } else if (offset == 0) {
                    blocks.add(examples); // a rejected file: the unit holds fewer examples than planned
                }
                position = startOf[unit] + end;
            }
            prefetch();
            List<ExampleBlock> nonEmpty = blocks.stream().filter(b -> b.size() > 0).toList();
            return new Shard.Slice(nonEmpty.isEmpty() ? ExampleBlock.empty(shard.shape())
                    : ExportedSource.concat(nonEmpty), rejected);
        }

        private int unitAt(int position) {
            int lo = 0;
            int hi = shard.units().size() - 1;
            while (lo < hi) { // the last unit starting at or before position
                int mid = (lo + hi + 1) >>> 1;
                if (startOf[mid] <= position) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            return lo;
        }

        /** Unit {@code u}, from the prefetched ones when the stream is there, else after restarting it at u. */
        private Shard.Slice unit(int u) {
            if (u == currentUnit) {
                return current;
            }
            if (u != nextUnit || ahead.isEmpty() && submitted != u) {
                restartAt(u);
            }
            prefetch();
            Future<Shard.Slice> next = ahead.pollFirst();
            nextUnit++;
            try {
                current = next.get();
                currentUnit = u;
                return current;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading " + shard.key(), e);
            } catch (ExecutionException e) {
                restartAt(u + 1); // the stream is broken here; a retry starts afresh
                currentUnit = -1;
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException(e.getCause());
            }
        }

        private void restartAt(int u) {
            ahead.forEach(f -> f.cancel(true));
            ahead.clear();
            nextUnit = u;
            submitted = u;
        }

        /** Keeps {@code prefetch} units loading beyond the one being read. */
        private void prefetch() {
            while (submitted < shard.units().size() && submitted - nextUnit < Math.max(1, shard.prefetch())) {
                StreamedShard.Unit unit = shard.units().get(submitted++);
                ahead.addLast(pool.submit(() -> unit.load(shard.shape(), shard.policy(), shard.conf())));
            }
        }

        void close() {
            ahead.forEach(f -> f.cancel(true));
            pool.shutdownNow();
        }
    }
}
