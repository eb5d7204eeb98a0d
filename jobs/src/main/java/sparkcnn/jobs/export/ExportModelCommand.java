package sparkcnn.jobs.export;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sparkcnn.jobs.cli.JobOptions;
import sparkcnn.jobs.cli.ModelTarget;
import sparkcnn.jobs.model.TrainedModel;
import sparkcnn.jobs.train.TrainSpec;
import sparkcnn.kernels.backend.NativeBackend;

/** {@code sparkcnn export-model RUN_DIR|MODEL_ZIP --format onnx --out FILE.onnx}. */
@Command(name = "export-model", mixinStandardHelpOptions = true,
        description = {"Write a trained model in a format other frameworks read: ONNX (opset 13), for ONNX Runtime",
                "(Java, Python, C#, C++, web, mobile) and every framework that imports ONNX.",
                "The model takes float32 pixels in [0, 1], NCHW [batch, channels, height, width] (input 'pixels'),",
                "normalises them as the run did, and gives the class probabilities (output 'probabilities');",
                "the class names are in its metadata ('classes'). Needs no Spark."})
public final class ExportModelCommand implements Callable<Integer> {
    /** The formats a model can be written in. */
    enum Format { onnx }

    @Mixin
    ModelTarget target = new ModelTarget();
    @Mixin
    JobOptions job = new JobOptions();
    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "onnx",
            description = "the file format: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    Format format;
    @Option(names = "--out", paramLabel = "FILE", required = true, description = "the file to write (local, file:// or hdfs://)")
    String out;
    @Option(names = "--overwrite", description = "replace FILE where it exists")
    boolean overwrite;

    private final PrintStream log;

    public ExportModelCommand(PrintStream log) {
        this.log = log;
    }

    @Override
    public Integer call() {
        var conf = new Configuration();
        OnnxModelExport.refuseExisting(new Path(out), overwrite, conf); // before the model is read
        var spec = TrainSpec.from(job.loadOrRun(target.runDir()));
        NativeBackend.init(Runtime.getRuntime().availableProcessors());
        var trained = TrainedModel.open(target.model(), spec.model(), conf);
        byte[] model = OnnxModelExport.onnx(trained.graph(), spec.model().input(), trained.run(), target.model());
        OnnxModelExport.write(model, out, overwrite, conf, log);
        return 0;
    }
}
