package sparkcnn.driver.train;

import java.util.Optional;

/**
 * A request from outside the run to stop it now (SIGTERM from a scheduler's preemption, Ctrl-C):
 * the run saves the last averaged state it holds as a checkpoint and ends with {@link RunStoppedException}.
 */
public final class StopRequest {
    private volatile String reason;
    private volatile int exitStatus;

    /** Asks the run to stop, for {@code reason} (e.g. "SIGTERM"), the process to end with {@code exitStatus}. */
    public void request(String reason, int exitStatus) {
        this.exitStatus = exitStatus;
        this.reason = reason;
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
