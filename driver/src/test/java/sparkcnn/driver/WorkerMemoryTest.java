package sparkcnn.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;

/** The words in which each cluster manager tells the driver that an executor ran out of memory. */
class WorkerMemoryTest {

    private static Optional<String> lost(String reason) {
        // as a task's failure reaches the driver: the job aborted, the executor's loss in its message
        return WorkerMemory.outOfMemory(new RuntimeException("wrapped", new SparkException(
                "Job aborted due to stage failure: Task 0 in stage 3.0 failed 1 times, most recent failure: Lost task "
                        + "0.0 in stage 3.0 (TID 5) (127.0.0.1 executor 2): ExecutorLostFailure (executor 2 exited "
                        + "caused by one of the running tasks) Reason: " + reason)));
    }

    @Test
    void yarnsKillForPhysicalOrVirtualMemoryIsOutOfMemory() {
        // Spark 3.5's YarnAllocator, word for word
        assertEquals(Optional.of("exceeding physical memory limits"), lost("Container killed by YARN for exceeding "
                + "physical memory limits. 1.6 GB of 1.4 GB physical memory used. Consider boosting "
                + "spark.executor.memoryOverhead."));
        assertEquals(Optional.of("exceeding virtual memory limits"), lost("Container killed by YARN for exceeding "
                + "virtual memory limits. 3.1 GB of 2.9 GB virtual memory used. Consider boosting "
                + "spark.executor.memoryOverhead or boosting yarn.nodemanager.vmem-pmem-ratio or disabling "
                + "yarn.nodemanager.vmem-check-enabled because of YARN-4714."));
    }

    @Test
    void theJvmsOwnSparksExitCodeAndKubernetesAreOutOfMemoryAndOtherLossesAreNot() {
        assertTrue(lost("Command exited with code 52").isPresent());
        assertTrue(lost("The executor with id 3 exited with exit code 137(SIGKILL, possible container OOM).\n"
                + "The API gave the following container statuses: reason: OOMKilled").isPresent());
        assertEquals(Optional.of("java.lang.OutOfMemoryError: Java heap space"),
                WorkerMemory.outOfMemory(new IllegalStateException("x", new OutOfMemoryError("Java heap space"))));
        assertEquals(Optional.empty(), lost("Container marked as failed: container_1 on host: 127.0.0.1. Exit status: "
                + "137. Diagnostics: [2026-12-06]Container killed on request. Exit code is 137"));
    }

    @Test
    void theOverheadInspectAsksForHoldsTheArraysUnderTheMemoryRule() {
        long arrays = 1000L << 20;
        long overhead = ExecutorSettings.overheadMibFor(arrays);
        assertEquals(1384, overhead);
        var conf = new org.apache.spark.SparkConf(false).set("spark.executor.memory", "2g")
                .set("spark.executor.memoryOverhead", overhead + "m");
        assertEquals("-Dorg.bytedeco.javacpp.maxbytes=1000m -Dorg.bytedeco.javacpp.maxphysicalbytes=3432m",
                ExecutorSettings.offHeapLimits(conf));
        assertEquals(385, ExecutorSettings.overheadMibFor(1), "rounded up to whole MiB");
    }
}
