package sparkcnn.driver.collective;

import java.util.HashMap;
import java.util.Map;
import ml.dmlc.xgboost4j.java.RabitTracker;
import ml.dmlc.xgboost4j.java.XGBoostError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * XGBoost's trackers of one ring, one per attempt of its stage (Spark reruns every task of a failed
 * barrier stage, and a tracker serves one group once), each started at its first task's hello.
 */
final class Trackers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Trackers.class);
    private final String host;
    private final int workers;
    private final int timeoutSeconds;
    private final Map<Integer, RabitTracker> byAttempt = new HashMap<>();

    Trackers(String host, int workers, int timeoutSeconds) {
        this.host = host;
        this.workers = workers;
        this.timeoutSeconds = timeoutSeconds;
    }

    /** The arguments a task of {@code attempt} joins the ring with. */
    synchronized HashMap<String, Object> argsOf(int attempt) {
        try {
            RabitTracker tracker = byAttempt.get(attempt);
            if (tracker == null) {
                tracker = new RabitTracker(workers, host, 0, timeoutSeconds);
                if (!tracker.start()) {
                    throw new RingException("the all-reduce tracker did not start on " + host);
                }
                byAttempt.put(attempt, tracker);
                log.debug("all-reduce tracker for {} workers (stage attempt {}) at {}", workers, attempt,
                        tracker.getWorkerArgs());
            }
            return new HashMap<>(tracker.getWorkerArgs());
        } catch (XGBoostError e) {
            throw new RingException("the all-reduce tracker failed on " + host + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        for (RabitTracker tracker : byAttempt.values()) {
            try {
                tracker.stop();
            } catch (XGBoostError | RuntimeException e) {
                log.warn("stopping an all-reduce tracker", e);
            }
        }
    }
}
