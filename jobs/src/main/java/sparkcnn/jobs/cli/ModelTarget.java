package sparkcnn.jobs.cli;

import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Parameters;
import sparkcnn.driver.run.RunLayout;

/**
 * A trained model named on the command line as RUN_DIR|MODEL_ZIP (evaluate, predict, train
 * --init-from): a run directory, or a model.zip inside one.
 */
public final class ModelTarget {
    @Parameters(paramLabel = "RUN_DIR|MODEL_ZIP", description = "a run directory, or a model.zip inside one")
    public String target;

    public String model() {
        return modelOf(target);
    }

    public String runDir() {
        return runDirOf(target);
    }

    /** The model file: a model.zip itself, or the one in a run directory. */
    public static String modelOf(String runDirOrZip) {
        return runDirOrZip.endsWith(".zip") ? runDirOrZip : runDirOrZip.replaceAll("/+$", "") + "/" + RunLayout.MODEL;
    }

    /** The run directory: itself, or the directory holding its model.zip. */
    public static String runDirOf(String runDirOrZip) {
        return runDirOrZip.endsWith(".zip") ? new Path(runDirOrZip).getParent().toString() : runDirOrZip;
    }
}
