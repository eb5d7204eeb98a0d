package sparkcnn.driver.train;

/** A run stopped on request, its state saved: says where, and how to continue. */
public final class RunStoppedException extends RuntimeException {
    private final int exitStatus;

    public RunStoppedException(String message, int exitStatus, Throwable cause) {
        super(message, cause);
        this.exitStatus = exitStatus;
    }

    /** What the process should end with: 128 + the signal's number, as a shell reports a signalled process. */
    public int exitStatus() {
        return exitStatus;
    }
}
