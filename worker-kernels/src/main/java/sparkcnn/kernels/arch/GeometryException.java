package sparkcnn.kernels.arch;

/** A layer whose output volume is not a whole number (or not positive) for the volume it receives. */
public class GeometryException extends IllegalArgumentException {
    public GeometryException(String message) {
        super(message);
    }
}
