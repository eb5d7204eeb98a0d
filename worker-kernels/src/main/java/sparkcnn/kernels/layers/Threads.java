package sparkcnn.kernels.layers;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;
import sparkcnn.kernels.backend.BackendInfo;
import sparkcnn.kernels.backend.NativeBackend;

/** The threads one worker may use for its own kernels: as many as it gave ND4J, on one pool. */
final class Threads {
    private static volatile ForkJoinPool pool;

    private Threads() {
    }

    static int perWorker() {
        BackendInfo backend = NativeBackend.current();
        return backend == null ? Runtime.getRuntime().availableProcessors() : backend.threads();
    }

    /**
     * Runs {@code body(i)} for i in [0, tasks) on the worker's threads (in this thread when it has
     * one). With no more tasks than threads, this thread runs task 0 itself while the pool runs the
     * rest: one wake-up fewer per call, and the caller does not idle.
     */
    static void inParallel(int tasks, IntConsumer body) {
        int threads = perWorker();
        if (threads <= 1 || tasks == 1) {
            for (int i = 0; i < tasks; i++) {
                body.accept(i);
            }
            return;
        }
        ForkJoinPool p = pool(threads);
        if (tasks > threads) {
            join(p.submit(() -> IntStream.range(0, tasks).parallel().forEach(body)));
            return;
        }
        ForkJoinTask<?>[] others = new ForkJoinTask<?>[tasks - 1];
        for (int i = 1; i < tasks; i++) {
            int task = i;
            others[i - 1] = p.submit(() -> body.accept(task));
        }
        body.accept(0);
        for (ForkJoinTask<?> other : others) {
            join(other);
        }
    }

    private static void join(ForkJoinTask<?> task) {
        try {
            task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    private static ForkJoinPool pool(int threads) {
        ForkJoinPool p = pool;
        if (p == null || p.getParallelism() != threads) {
            synchronized (Threads.class) {
                if (pool == null || pool.getParallelism() != threads) {
                    pool = new ForkJoinPool(threads, named(), null, false);
                }
                p = pool;
            }
        }
        return p;
    }

    private static ForkJoinPool.ForkJoinWorkerThreadFactory named() {
        return p -> {
            var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            t.setName("sparkcnn-kernel-" + t.getPoolIndex());
            t.setDaemon(true);
            return t;
        };
    }
}
