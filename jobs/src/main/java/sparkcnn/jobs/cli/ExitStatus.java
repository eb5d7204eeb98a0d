package sparkcnn.jobs.cli;

import com.typesafe.config.ConfigException;
import java.io.PrintStream;
import java.util.List;
import sparkcnn.driver.Causes;
import sparkcnn.driver.data.DataException;
import sparkcnn.driver.collective.RingException;
import sparkcnn.driver.io.RunDirectoryException;
import sparkcnn.driver.io.StorageException;
import sparkcnn.driver.train.DivergenceException;
import sparkcnn.driver.train.RunStoppedException;
import sparkcnn.driver.train.WorkerOutOfMemoryException;
import sparkcnn.kernels.backend.BackendUnavailableException;

/**
 * The exit-status policy: never a raw stack trace for the user, one line that says what failed and
 * whose fault it is (2: the command line, config or data set up; 1: the run failed); the trace goes
 * to the log.
 */
public final class ExitStatus {
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ExitStatus.class);

    private ExitStatus() {
    }

    /** Says why {@code e} ended the command on {@code err} and returns the exit status. */
    public static int of(Exception e, PrintStream err) {
        if (isUsersToFix(e)) { // IllegalArgumentException covers GeometryException: a layer that cannot exist
            err.println("sparkcnn: " + e.getMessage());
            return USAGE;
        }
        if (isRunsFault(e)) {
            err.println("sparkcnn: " + e.getMessage());
            return e instanceof RunStoppedException stopped ? stopped.exitStatus() : FAILED;
        }
        log.error("sparkcnn failed", e);
        Throwable cause = rootCause(e);
        if (cause instanceof BackendUnavailableException || cause instanceof DataException
                || cause instanceof ConfigException) {
            err.println("sparkcnn: " + cause.getMessage()); // on an executor: still the data's or config's fault
            return cause instanceof BackendUnavailableException ? USAGE : FAILED;
        }
        // a task failed on an executor (Scala throws SparkException undeclared): say why in its own words
        String where = e instanceof org.apache.spark.SparkException ? "a Spark job failed: " : "";
        err.println("sparkcnn: " + where + cause.getClass().getSimpleName() + ": " + cause.getMessage()
                + " (the stack trace is in the log)");
        return FAILED;
    }

    /** The run failed for a reason its message says whole: no stack trace needed. */
    private static boolean isRunsFault(Exception e) {
        return e instanceof DivergenceException || e instanceof StorageException || e instanceof RingException
                || e instanceof WorkerOutOfMemoryException || e instanceof RunStoppedException;
    }

    private static boolean isUsersToFix(Exception e) {
        return e instanceof ConfigException || e instanceof IllegalArgumentException || e instanceof DataException
                || e instanceof BackendUnavailableException || e instanceof RunDirectoryException;
    }

    /** The innermost cause, or the outermost {@link DataException} (it names the file). */
    static Throwable rootCause(Throwable e) {
        List<Throwable> causes = Causes.of(e);
        return causes.stream().filter(DataException.class::isInstance).findFirst()
                .orElse(causes.get(causes.size() - 1));
    }
}
