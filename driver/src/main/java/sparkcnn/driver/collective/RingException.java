package sparkcnn.driver.collective;

/** The ring between a run's workers failed: a peer never joined, the tracker died, a reduce failed or timed out. */
public final class RingException extends RuntimeException {
    public RingException(String message, Throwable cause) {
        super(message, cause);
    }

    public RingException(String message) {
        super(message);
    }
}
