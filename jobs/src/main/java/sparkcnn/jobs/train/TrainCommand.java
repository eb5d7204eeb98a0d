package sparkcnn.jobs.train;

import com.typesafe.config.Config;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sparkcnn.driver.run.RunStart;
import sparkcnn.jobs.cli.JobOptions;
import sparkcnn.jobs.cli.ModelOptions;
import sparkcnn.jobs.cli.Options;
import sparkcnn.jobs.config.JobConfig;

/** {@code sparkcnn train}: a new, overwritten or resumed run. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a network by parameter averaging on Spark, evaluating each epoch.",
                "Writes the run directory (run.dir): checkpoints, model.zip, metrics.jsonl, curves.png, report.html.",
                "A run.dir that holds a run already is an error unless --resume or --overwrite is given.",
                "Exit status 1 when training diverges."})
public final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    JobOptions job = new JobOptions();
    @Mixin
    ModelOptions model = new ModelOptions();
    @Option(names = "--resume", paramLabel = "RUN_DIR", description = {
            "continue a run from its latest checkpoint, with the config it ran with;",
            "--set may change only keys that leave the trained network, its data and optimiser alone",
            "(train.epochs, train.stop.*, train.checkpoint-every-rounds, spark.*, backend, ...)"})
    String resume;
    @Option(names = "--overwrite", description = "delete the run in run.dir first (only the files a run writes)")
    boolean overwrite;
    @Option(names = "--init-from", paramLabel = "RUN_DIR|MODEL_ZIP", description = {
            "fine-tune: start from a trained model's weights (train.init-from); its classifier is",
            "replaced when model.classes differs; train.freeze-until = LAYER keeps layers up to LAYER fixed"})
    String initFrom;

    private final PrintStream out;

    public TrainCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        Options.refuse(spec, resume != null && job.config != null,
                "--resume takes the config the run was started with; drop --config");
        Options.refuse(spec, resume != null && overwrite,
                "--resume continues a run, --overwrite deletes it: give one of them");
        if (initFrom != null) {
            job.sets.add("train.init-from=" + initFrom);
        }
        List<String> sets = model.addTo(job.sets);
        Config config = job.withMaster(resume == null ? JobConfig.load(job.config, sets)
                : JobConfig.loadRun(resume, sets));
        RunStart start = resume != null ? RunStart.RESUME : overwrite ? RunStart.OVERWRITE : RunStart.NEW;
        new TrainJob(config, out, System.console() != null).run(job.masterExplicit(), start);
        return 0;
    }
}
