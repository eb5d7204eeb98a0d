package sparkcnn.driver.collective;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;
import ml.dmlc.xgboost4j.java.CheckedCalls;
import ml.dmlc.xgboost4j.java.Communicator;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * One worker's place in the ring of a barrier stage: XGBoost4J's collective (a ring reduce-scatter
 * and all-gather over TCP between the tasks; the tracker only hands out ranks). The communicator is
 * thread-local, so a ring is joined, used and left on one thread.
 */
public final class Ring implements AutoCloseable {
    private final Thread owner = Thread.currentThread();
    private final int rank;
    private final int size;
    private final String where;
    /** Reused between sums: the collective reads and writes native memory. */
    private ByteBuffer buffer = ByteBuffer.allocateDirect(0);

    private Ring(int rank, int size, String where) {
        this.rank = rank;
        this.size = size;
        this.where = where;
    }

    /**
     * Joins the ring of the tracker {@code trackerArgs} describe as task {@code taskId}; every
     * collective operation (and the joining) gives up after {@code timeoutSeconds}.
     */
    public static Ring join(Map<String, Object> trackerArgs, String taskId, int timeoutSeconds) {
        Map<String, Object> args = new HashMap<>(trackerArgs);
        args.put("dmlc_task_id", taskId);
        args.put("dmlc_timeout", timeoutSeconds);
        String tracker = trackerArgs.get("dmlc_tracker_uri") + ":" + trackerArgs.get("dmlc_tracker_port");
        try {
            XgboostConsole.routeToLog(); // its "Task 1 got rank 1" is not the run's output
            Communicator.init(args);
            return new Ring(Communicator.getRank(), Communicator.getWorldSize(), "task " + taskId + " (tracker "
                    + tracker + ")");
        } catch (XGBoostError e) {
            throw new RingException("task " + taskId + " could not join the all-reduce ring of tracker " + tracker
                    + " within " + timeoutSeconds + " s (train.allreduce.timeout): " + e.getMessage(), e);
        }
    }

    public int rank() {
        return rank;
    }

    public int size() {
        return size;
    }

    /** Replaces {@code values} by their element-wise sum over every member of the ring. */
    public void sum(float[] values) {
        input(values.length).put(values);
        sum(values.length).get(values);
    }

    /**
     * Where a worker writes the {@code count} floats of its next {@link #sum(int)}: a cleared view of
     * a direct buffer that is reused from sum to sum (the collective reads and writes native memory).
     */
    public FloatBuffer input(int count) {
        requireOwner();
        if (buffer.capacity() < 4 * count) {
            buffer = ByteBuffer.allocateDirect(4 * count).order(ByteOrder.nativeOrder());
        }
        return buffer.clear().asFloatBuffer();
    }

    /** Sums the first {@code count} floats written to {@link #input(int)} over the ring; a view of the sums. */
    public FloatBuffer sum(int count) {
        requireOwner();
        try {
            CheckedCalls.sumFloats(buffer, count);
        } catch (XGBoostError e) {
            throw new RingException(String.format("all-reduce of %d floats failed on rank %d of %d, %s: %s",
                    count, rank, size, where, e.getMessage()), e);
        }
        return buffer.clear().asFloatBuffer().limit(count);
    }

    private void requireOwner() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("the ring was joined on " + owner.getName() + ", not on "
                    + Thread.currentThread().getName() + ": XGBoost's communicator is thread-local");
        }
    }

    @Override
    public void close() {
        requireOwner();
        try {
            Communicator.shutdown();
        } catch (XGBoostError e) {
            throw new RingException("leaving the ring failed on rank " + rank + ", " + where + ": " + e.getMessage(), e);
        }
    }
}
