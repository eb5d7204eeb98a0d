package sparkcnn.driver.train;

/** Training produced a NaN or infinite loss or parameter: the run stops instead of going on with garbage. */
public class DivergenceException extends RuntimeException {
    public DivergenceException(String message) {
        super(message);
    }
}
