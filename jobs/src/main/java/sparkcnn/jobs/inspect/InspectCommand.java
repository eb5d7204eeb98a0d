package sparkcnn.jobs.inspect;

import java.io.File;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sparkcnn.jobs.cli.JobOptions;
import sparkcnn.jobs.cli.ModelOptions;
import sparkcnn.jobs.cli.Options;
import sparkcnn.jobs.config.JobConfig;

/** {@code sparkcnn inspect}: the architecture report, without Spark. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Per-layer report: output volume, parameters, activations, FLOPs, memory.",
                "Checks every layer's geometry; memory counts parameters x3 for training. Starts no Spark."})
public final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    JobOptions job = new JobOptions();
    @Mixin
    ModelOptions model = new ModelOptions();
    @Option(names = "--batch", paramLabel = "N",
            description = "batch size for the memory estimate (default: train.batch-size-per-worker, 64 unless set)")
    Integer batch;
    @Option(names = "--json", paramLabel = "FILE", description = "also write the report as JSON")
    File json;

    private final PrintStream out;

    public InspectCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        var config = JobConfig.load(job.config, model.addTo(job.sets));
        int perWorker = batch != null ? Options.positive(spec, batch, "--batch")
                : config.getInt("train.batch-size-per-worker");
        InspectJob.run(config, perWorker, json, out);
        return 0;
    }
}
