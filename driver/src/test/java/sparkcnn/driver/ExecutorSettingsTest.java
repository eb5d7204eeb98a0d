package sparkcnn.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import sparkcnn.kernels.backend.BackendChoice;

class ExecutorSettingsTest {

    @Test
    void offHeapLimitsFollowTheExecutorMemoryAndOverhead() {
        // overhead given: arrays get the overhead less 384 MiB, the process memory + overhead
        var conf = new SparkConf(false).set("spark.executor.memory", "4g").set("spark.executor.memoryOverhead", "3g");
        ExecutorSettings.apply(conf, BackendChoice.AUTO);
        assertEquals("-Dorg.bytedeco.javacpp.maxbytes=2688m -Dorg.bytedeco.javacpp.maxphysicalbytes=7168m",
                conf.get("spark.executor.extraJavaOptions"));

        // Spark's default overhead, 10% of 8g (819 MiB, unitless = MiB), arrays at least 512 MiB
        var small = new SparkConf(false).set("spark.executor.memory", "8192");
        assertEquals("-Dorg.bytedeco.javacpp.maxbytes=512m -Dorg.bytedeco.javacpp.maxphysicalbytes=9011m",
                ExecutorSettings.offHeapLimits(small));
    }

    @Test
    void limitsTheUserSetAreKeptAndOtherOptionsExtended() {
        var own = new SparkConf(false).set("spark.executor.extraJavaOptions", "-Dorg.bytedeco.javacpp.maxbytes=1g");
        ExecutorSettings.apply(own, BackendChoice.AUTO);
        assertEquals("-Dorg.bytedeco.javacpp.maxbytes=1g", own.get("spark.executor.extraJavaOptions"));

        var other = new SparkConf(false).set("spark.executor.extraJavaOptions", "-XX:+UseG1GC");
        ExecutorSettings.apply(other, BackendChoice.AUTO);
        assertEquals("-XX:+UseG1GC -Dorg.bytedeco.javacpp.maxbytes=512m -Dorg.bytedeco.javacpp.maxphysicalbytes=1408m",
                other.get("spark.executor.extraJavaOptions"));
    }

    @Test
    void backendChoiceReachesTheExecutors() {
        var cpu = new SparkConf(false).set("spark.executor.resource.gpu.amount", "1");
        ExecutorSettings.apply(cpu, BackendChoice.CPU);
        assertEquals("1000", cpu.get("spark.executorEnv.BACKEND_PRIORITY_CPU"));
        assertFalse(cpu.contains("spark.task.resource.gpu.amount"), "a CPU job asks for no GPUs");

        var gpu = new SparkConf(false).set("spark.executor.resource.gpu.amount", "4");
        ExecutorSettings.apply(gpu, BackendChoice.AUTO);
        assertEquals("1", gpu.get("spark.task.resource.gpu.amount"), "one worker per GPU");
        assertFalse(gpu.contains("spark.executorEnv.BACKEND_PRIORITY_CPU"));
    }

    /** A killed task stuck in native code (a ring worker whose peer died) ends its executor after a while, freeing its slot. */
    @Test
    void executorsWhoseKilledTaskWillNotStopAreReplacedUnlessTheUserSaysOtherwise() {
        var conf = new SparkConf(false);
        ExecutorSettings.apply(conf, BackendChoice.AUTO);
        assertEquals("true", conf.get("spark.task.reaper.enabled"));
        assertEquals(ExecutorSettings.KILL_TIMEOUT, conf.get("spark.task.reaper.killTimeout"));
        var own = new SparkConf(false).set("spark.task.reaper.killTimeout", "-1");
        ExecutorSettings.apply(own, BackendChoice.AUTO);
        assertEquals("-1", own.get("spark.task.reaper.killTimeout"));
    }

    @Test
    void executorsKeepFreedMemoryAndLetOpenMpSleepUnlessTheUserSaysOtherwise() {
        var conf = new SparkConf(false);
        ExecutorSettings.apply(conf, BackendChoice.AUTO);
        String expected = System.getenv().getOrDefault("GLIBC_TUNABLES", ExecutorSettings.GLIBC_TUNABLES);
        assertEquals(expected, conf.get("spark.executorEnv.GLIBC_TUNABLES"));
        assertEquals(System.getenv().getOrDefault("GOMP_SPINCOUNT", ExecutorSettings.GOMP_SPINCOUNT),
                conf.get("spark.executorEnv.GOMP_SPINCOUNT"));
        var own = new SparkConf(false).set("spark.executorEnv.GLIBC_TUNABLES", "")
                .set("spark.executorEnv.GOMP_SPINCOUNT", "300000");
        ExecutorSettings.apply(own, BackendChoice.AUTO);
        assertEquals("", own.get("spark.executorEnv.GLIBC_TUNABLES"));
        assertEquals("300000", own.get("spark.executorEnv.GOMP_SPINCOUNT"));
    }
}
