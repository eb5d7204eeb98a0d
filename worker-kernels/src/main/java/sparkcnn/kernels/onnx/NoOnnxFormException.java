package sparkcnn.kernels.onnx;

/** A vertex of a network that ONNX's operators cannot express (as this export writes them), by name. */
public class NoOnnxFormException extends IllegalArgumentException {
    public NoOnnxFormException(String vertex, String what) {
        super("layer '" + vertex + "' has no ONNX form: " + what);
    }
}
