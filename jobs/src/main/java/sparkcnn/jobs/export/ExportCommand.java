package sparkcnn.jobs.export;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sparkcnn.jobs.cli.JobOptions;
import sparkcnn.jobs.cli.Options;
import sparkcnn.jobs.train.TrainSpec;

/** {@code sparkcnn export-data --config FILE --out DIR} ({@code export} before export-model came). */
@Command(name = "export-data", aliases = "export", mixinStandardHelpOptions = true,
        description = {"Decode the data once into minibatch files (read back with data.format = exported).",
                "Writes DIR/train and DIR/test (local, file:// or hdfs://); train from them with",
                "data.format = exported, data.train.dir = DIR/train.",
                "Run again, it writes what is missing; a directory holding another export is an error."})
public final class ExportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    JobOptions job = new JobOptions();
    @Option(names = "--out", paramLabel = "DIR", required = true, description = "where DIR/train and DIR/test go")
    String dir;
    @Option(names = "--batch", paramLabel = "N", defaultValue = "64",
            description = "examples per minibatch file (default ${DEFAULT-VALUE})")
    int batch;

    private final PrintStream out;

    public ExportCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        ExportJob.run(TrainSpec.from(job.load()), dir, Options.positive(spec, batch, "--batch"), job.masterExplicit(),
                out);
        return 0;
    }
}
