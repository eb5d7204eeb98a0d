package sparkcnn.jobs.cli;

import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Parameters;
import sparkcnn.driver.run.RunLayout;

/**
 * A trained model named on the command line as RUN_DIR|MODEL_ZIP (evaluate, predict, train
 * --init-from): a run directory, or a model.zip inside one.
 */
public final class ModelTarget {
    @Parameters(paramLabel = "RUN_DIR|MODEL_ZIP", description = "a run directory, or a model.zip inside one (or a checkpoint in its checkpoints/)")
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

    /** The run directory: itself, or the directory holding its model.zip (or, for a checkpoint, its checkpoints/). */
    public static String runDirOf(String runDirOrZip) {
        if (!runDirOrZip.endsWith(".zip")) {
            return runDirOrZip;
        }
        Path holder = new Path(runDirOrZip).getParent();
        return holder.getName().equals(RunLayout.CHECKPOINTS) ? holder.getParent().toString() : holder.toString();
    }
}
