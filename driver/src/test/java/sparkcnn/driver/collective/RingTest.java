package sparkcnn.driver.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** XGBoost4J's ring between threads (the communicator is per thread), coordinated as barrier tasks are. */
class RingTest {
    private final ExecutorService workers = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        workers.shutdownNow();
    }

    /** Worker {@code partition} of {@code attempt}: sums {@code steps} arrays, reporting each step; returns the sums. */
    private Future<List<float[]>> worker(Coordinator coordinator, int attempt, int partition, int steps) {
        return workers.submit(() -> {
            List<float[]> sums = new ArrayList<>();
            try (var driver = DriverLink.connect(coordinator.contact(), attempt, partition, 20);
                 var ring = Ring.join(driver.trackerArgs(), String.valueOf(partition), 20)) {
                for (int step = 0; step < steps; step++) {
                    float[] values = new float[100_003];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = partition + 1 + step + (i % 7) * 0.5f;
                    }
                    ring.sum(values);
                    sums.add(values);
                    driver.report(step, bytes("p" + partition + "s" + step));
                }
            }
            return sums;
        });
    }

    static byte[] bytes(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    static List<String> texts(List<byte[]> reports) {
        return reports.stream().map(b -> new String(b, java.nio.charset.StandardCharsets.UTF_8)).toList();
    }

    @Test
    void workersSumTheirArraysAndTheDriverSeesEachStepOnceInOrder() throws Exception {
        try (var coordinator = Coordinator.start("127.0.0.1", 3, 20, 0)) {
            var futures = List.of(worker(coordinator, 0, 0, 3), worker(coordinator, 0, 1, 3), worker(coordinator, 0, 2, 3));
            CompletableFuture<Void> job = new CompletableFuture<>();
            for (int step = 0; step < 3; step++) {
                var reports = texts(coordinator.nextStep(job, TimeUnit.SECONDS.toNanos(30)).orElseThrow());
                assertEquals(List.of("p0s" + step, "p1s" + step, "p2s" + step), reports);
            }
            for (var f : futures) {
                List<float[]> sums = f.get(30, TimeUnit.SECONDS);
                for (int step = 0; step < 3; step++) {
                    for (int i = 0; i < sums.get(step).length; i += 997) {
                        assertEquals(1 + 2 + 3 + 3 * step + 3 * (i % 7) * 0.5f, sums.get(step)[i], 1e-4, "element " + i);
                    }
                }
            }
        }
    }

    @Test
    void aRerunAttemptGetsItsOwnTrackerAndItsRepeatsOfDeliveredStepsAreDropped() throws Exception {
        try (var coordinator = Coordinator.start("127.0.0.1", 2, 20, 5)) {
            CompletableFuture<Void> job = new CompletableFuture<>();
            for (var f : List.of(worker(coordinator, 0, 0, 1), worker(coordinator, 0, 1, 1))) {
                f.get(30, TimeUnit.SECONDS); // reports step 0 < 5: before the segment, dropped
            }
            try (var a = DriverLink.connect(coordinator.contact(), 1, 0, 20);
                 var b = DriverLink.connect(coordinator.contact(), 1, 1, 20)) {
                Map<String, Object> args = a.trackerArgs();
                assertEquals(args, b.trackerArgs(), "one attempt, one tracker");
                a.report(5, bytes("a5"));
                b.report(5, bytes("b5"));
                assertEquals(List.of("a5", "b5"), texts(coordinator.nextStep(job, TimeUnit.SECONDS.toNanos(30)).orElseThrow()));
                try (var c = DriverLink.connect(coordinator.contact(), 2, 0, 20);
                     var d = DriverLink.connect(coordinator.contact(), 2, 1, 20)) {
                    assertTrue(!args.equals(c.trackerArgs()), "a rerun attempt gets a tracker of its own");
                    c.report(5, bytes("c5")); // the rerun repeats step 5: already delivered
                    d.report(5, bytes("d5"));
                    c.report(6, bytes("c6"));
                    d.report(6, bytes("d6"));
                    assertEquals(List.of("c6", "d6"), texts(coordinator.nextStep(job, TimeUnit.SECONDS.toNanos(30)).orElseThrow()));
                }
            }
        }
    }

    @Test
    void aPeerThatNeverJoinsFailsTheOthersWithinTheTimeout() throws Exception {
        try (var coordinator = Coordinator.start("127.0.0.1", 2, 3, 0)) {
            long t0 = System.nanoTime();
            Future<List<float[]>> alone = workers.submit(() -> {
                try (var driver = DriverLink.connect(coordinator.contact(), 0, 0, 3);
                     var ring = Ring.join(driver.trackerArgs(), "0", 3)) {
                    return List.of();
                }
            });
            var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> alone.get(60, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof RingException, String.valueOf(e.getCause()));
            assertTrue(e.getCause().getMessage().contains("could not join"), e.getCause().getMessage());
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(45), "took " + (System.nanoTime() - t0) / 1e9 + " s");
            CompletableFuture<Void> job = new CompletableFuture<>();
            job.completeExceptionally(e.getCause());
            assertTrue(coordinator.nextStep(job, TimeUnit.SECONDS.toNanos(30)).isEmpty(), "a failed job has no step");
        }
    }

    @Test
    void aDeadTrackerFailsTheJoinWithinTheTimeout() throws Exception {
        int deadPort;
        try (var socket = new java.net.ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        long t0 = System.nanoTime();
        Future<Object> join = workers.submit(() -> {
            try (var ring = Ring.join(Map.of("dmlc_communicator", "rabit", "dmlc_tracker_uri", "127.0.0.1",
                    "dmlc_tracker_port", deadPort), "0", 3)) {
                return ring;
            }
        });
        var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> join.get(60, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof RingException, String.valueOf(e.getCause()));
        assertTrue(e.getCause().getMessage().contains("127.0.0.1:" + deadPort), e.getCause().getMessage());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(45), "took " + (System.nanoTime() - t0) / 1e9 + " s");
    }

    @Test
    void aStepThatNeverCompletesTimesOutWithTheKey() {
        try (var coordinator = Coordinator.start("127.0.0.1", 2, 3, 0)) {
            var e = assertThrows(RingException.class,
                    () -> coordinator.nextStep(new CompletableFuture<Void>(), TimeUnit.SECONDS.toNanos(1)));
            assertTrue(e.getMessage().contains("train.allreduce.timeout"), e.getMessage());
        }
    }
}
