package sparkcnn.kernels.backend;

/** The backend a job asked for cannot be had in this JVM; the message says why. */
public final class BackendUnavailableException extends IllegalStateException {
    public BackendUnavailableException(String message) {
        super(message);
    }
}
