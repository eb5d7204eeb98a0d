package sparkcnn.driver.io;

/** A run directory that cannot be used as asked: in use, already holding a run, or damaged. */
public final class RunDirectoryException extends RuntimeException {
    public RunDirectoryException(String message) {
        super(message);
    }
}
