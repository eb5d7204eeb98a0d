package sparkcnn.driver.data;

/** A data set that cannot be read as configured: the message names the file or folder at fault. */
public class DataException extends RuntimeException {
    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
