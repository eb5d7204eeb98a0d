package sparkcnn.bench;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sparkcnn bench scale}. */
@Command(name = "scale", mixinStandardHelpOptions = true, description = {
        "ImageNet's size: the driver listing 1.28 M names; DenseNet-121 streaming an ImageNet-shaped folder",
        "and its export in a 2 GB heap"})
final class ScaleCommand implements Callable<Integer> {
    @Option(names = "--names", paramLabel = "N", defaultValue = "1281167", description = "file names to list")
    int names;
    @Option(names = "--images", paramLabel = "N", defaultValue = "30000",
            description = "images of the ImageNet-shaped folder (hard links)")
    int images;
    @Mixin
    BenchOptions.Jobs jobs = new BenchOptions.Jobs("target/bench-scale", 2048);
    @Mixin
    BenchOptions options = new BenchOptions();

    private final PrintStream out;

    ScaleCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        new ScaleBench(jobs.workDir(), out).run(names, images, jobs.heapMb, options.results());
        return 0;
    }
}
