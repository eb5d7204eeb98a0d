package sparkcnn.driver.data;

/** A data set that cannot be read as configured: the message names the file or folder at fault. */
public class DataException extends RuntimeException {
    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The {@code set} ("training", "test") has no example left; {@code rejected} says why, where it can. */
    public static DataException noExamples(String set, java.util.List<String> rejected) {
        return new DataException("the " + set + " set has no examples" + (rejected.isEmpty() ? ""
                : ": all " + rejected.size() + " files were rejected, e.g. " + rejected.get(0)));
    }
}
