package sparkcnn.driver.train;

import java.util.Optional;

/**
 * A request from outside the run to stop it now (SIGTERM from a scheduler's preemption, Ctrl-C):
 * the work in flight is interrupted, the run saves the last averaged state it holds as a checkpoint
 * and ends with {@link RunStoppedException}. How the work in flight is interrupted depends on who
 * runs it: Spark's jobs cancelled (the driver's averaging holds the state of every round), or the
 * ring asked to end after its current round and hand its state over (the all-reduce engine).
 */
public final class StopRequest {
    private volatile String reason;
    private volatile int exitStatus;
    private volatile Runnable interrupt = () -> { };

    /** Asks the run to stop, for {@code reason} (e.g. "SIGTERM"), the process to end with {@code exitStatus}. */
    public void request(String reason, int exitStatus) {
        this.exitStatus = exitStatus;
        this.reason = reason;
        interrupt.run();
    }

    /**
     * From now on a stop interrupts the work in flight with {@code how} (at once, if one was already
     * requested); returns what it did before, to put back.
     */
    public Runnable interruptWith(Runnable how) {
        Runnable before = interrupt;
        interrupt = how;
        if (requested()) {
            how.run();
        }
        return before;
    }

    public Optional<String> reason() {
        return Optional.ofNullable(reason);
    }

    public boolean requested() {
        return reason != null;
    }

    public int exitStatus() {
        return exitStatus;
    }
}
