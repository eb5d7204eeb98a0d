package sparkcnn.jobs.evaluate;

import java.io.File;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sparkcnn.jobs.cli.JobOptions;
import sparkcnn.jobs.cli.ModelTarget;
import sparkcnn.jobs.train.TrainSpec;

/** {@code sparkcnn evaluate RUN_DIR|MODEL_ZIP}. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Score a saved model on a test set: accuracy, top-5, loss, per-class accuracy, confusion matrix.",
                "A run directory is scored on the test set of its own config.conf (or of --config FILE), with its",
                "own class names and normalisation statistics."})
public final class EvaluateCommand implements Callable<Integer> {
    @Mixin
    ModelTarget target = new ModelTarget();
    @Mixin
    JobOptions job = new JobOptions();
    @Option(names = "--json", paramLabel = "FILE", description = "also write the results as JSON")
    File json;

    private final PrintStream out;

    public EvaluateCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        EvaluateJob.run(TrainSpec.from(job.loadOrRun(target.runDir())), target.model(), job.masterExplicit(), json, out);
        return 0;
    }
}
