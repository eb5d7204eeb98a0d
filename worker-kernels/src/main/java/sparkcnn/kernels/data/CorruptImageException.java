package sparkcnn.kernels.data;

/** Bytes that are not a complete JPEG or PNG image. */
public class CorruptImageException extends RuntimeException {
    public CorruptImageException(String reason) {
        super(reason);
    }
}
