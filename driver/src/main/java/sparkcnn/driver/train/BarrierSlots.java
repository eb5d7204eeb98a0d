package sparkcnn.driver.train;

import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A barrier stage starts all its tasks at once or not at all: before the all-reduce engine starts
 * one, the cluster must have a task slot for every worker. Spark itself would retry for minutes
 * ({@code spark.scheduler.barrier.maxConcurrentTasksCheck.*}) and then fail in its own words; this
 * waits as long as Spark waits for executors to register, then says which key to change.
 */
public final class BarrierSlots {
    private BarrierSlots() {
    }

    /** Throws, naming {@code train.workers}, unless {@code workers} tasks can run at once. */
    public static void require(JavaSparkContext sc, int workers) {
        if (sc.getConf().getBoolean("spark.dynamicAllocation.enabled", false)) {
            throw new IllegalArgumentException("train.engine = allreduce runs its train.workers = " + workers
                    + " tasks as one Spark barrier stage, which Spark refuses with dynamic allocation: set "
                    + "spark.dynamicAllocation.enabled = false, or use train.engine = driver");
        }
        long waitMillis = sc.getConf().getTimeAsMs("spark.scheduler.maxRegisteredResourcesWaitingTime", "30s");
        long deadline = System.currentTimeMillis() + waitMillis;
        int slots = slots(sc.sc());
        while (slots < workers && !sc.isLocal() && System.currentTimeMillis() < deadline) {
            sleep();
            slots = slots(sc.sc());
        }
        if (slots < workers) {
            throw new IllegalArgumentException(String.format("train.workers = %d, but the cluster has %d task slots "
                    + "(executors x cores / spark.task.cpus, after %d s): train.engine = allreduce starts every "
                    + "worker at once; lower train.workers to %d or add executors%s", workers, slots,
                    waitMillis / 1000, Math.max(1, slots), sc.master().startsWith("yarn")
                            ? " (on YARN: --num-executors, and a queue with room for all of them and the application master)"
                            : ""));
        }
    }

    /** Tasks the registered executors can run at once. */
    static int slots(SparkContext sc) {
        return sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
    }

    private static void sleep() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
