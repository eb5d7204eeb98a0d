package sparkcnn.jobs.predict;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sparkcnn.jobs.cli.JobOptions;
import sparkcnn.jobs.cli.ModelTarget;
import sparkcnn.jobs.train.TrainSpec;

/** {@code sparkcnn predict RUN_DIR|MODEL_ZIP --input PATH --out PATH}. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Score every image or example under --input with a trained model, on the executors.",
                "One row each, written with Spark's DataFrame writer: id, path, label (where the input has labels),",
                "prediction, class, probability, top_classes, top_probabilities, error (an image that does not",
                "decode). --input: a folder of .jpg/.jpeg/.png files (any nesting, class folders or not), an",
                "export (sparkcnn export), an idx image file (--labels adds its labels) or a CIFAR .bin file;",
                "local, file:// or hdfs://. The run's class names, normalisation and image size apply."})
public final class PredictCommand implements Callable<Integer> {
    @Mixin
    ModelTarget target = new ModelTarget();
    @Option(names = "--input", paramLabel = "PATH", required = true, description = "what to score")
    String input;
    @Option(names = "--labels", paramLabel = "PATH", description = "the idx labels of an idx --input")
    String labels;
    @Option(names = "--out", paramLabel = "PATH", required = true, description = "where the rows go")
    String outPath;
    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "parquet",
            description = "parquet (default), csv or json")
    String format;
    @Option(names = "--top", paramLabel = "K", defaultValue = "5", description = "classes listed per row (default 5)")
    int top;
    @Option(names = "--overwrite", description = "replace --out where it exists")
    boolean overwrite;
    @Mixin
    JobOptions job = new JobOptions();

    private final PrintStream out;

    public PredictCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        PredictJob.run(TrainSpec.from(job.loadOrRun(target.runDir())), target.model(),
                new PredictJob.Request(input, labels, outPath, format, top, overwrite), job.masterExplicit(), out);
        return 0;
    }
}
