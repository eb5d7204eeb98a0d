package sparkcnn.bench;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sparkcnn bench onnx}. */
@Command(name = "onnx", mixinStandardHelpOptions = true,
        description = {"exported ONNX models against their networks: the same class, the largest probability",
                "difference, and ONNX Runtime's inference speed beside the network's own (results in onnx.json)"})
final class OnnxCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "RUN_DIR|MODEL_ZIP", description = "a trained model on Fashion-MNIST-sized "
            + "images (repeatable)")
    List<String> models = List.of();
    @Option(names = "--images", paramLabel = "IDX", defaultValue = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
            description = "the images the models score (default ${DEFAULT-VALUE})")
    String images;
    @Option(names = "--count", paramLabel = "N", defaultValue = "10000", description = "images scored (default ${DEFAULT-VALUE})")
    int count;
    @Option(names = "--densenet121", paramLabel = "N", defaultValue = "200",
            description = "random 224x224 images for DenseNet-121 (0: none; default ${DEFAULT-VALUE})")
    int denseNet121;
    @Option(names = "--threads", paramLabel = "N", defaultValue = "2", description = "threads of each (default ${DEFAULT-VALUE})")
    int threads;
    @Option(names = "--repeats", paramLabel = "N", defaultValue = "3", description = "passes of each (default ${DEFAULT-VALUE})")
    int repeats;
    @Mixin
    BenchOptions options = new BenchOptions();

    private final PrintStream out;

    OnnxCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        OnnxBench.run(models, images, count, denseNet121, threads, repeats, options.results(), out);
        return 0;
    }
}
