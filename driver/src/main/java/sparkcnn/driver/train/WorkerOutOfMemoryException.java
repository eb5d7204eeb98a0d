package sparkcnn.driver.train;

/** A worker ran out of memory: says what the model needs, what the workers have, and the keys to change. */
public final class WorkerOutOfMemoryException extends RuntimeException {
    public WorkerOutOfMemoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
