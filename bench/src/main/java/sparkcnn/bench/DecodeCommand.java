package sparkcnn.bench;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sparkcnn bench decode}. */
@Command(name = "decode", mixinStandardHelpOptions = true,
        description = "the worker's image input path (JPEG decode, resize, crop, augmentation)")
final class DecodeCommand implements Callable<Integer> {
    @Option(names = "--images", paramLabel = "N", defaultValue = "200", description = "images per pass")
    int images;
    @Mixin
    BenchOptions options = new BenchOptions();

    private final PrintStream out;

    DecodeCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        DecodeBench.run(images, 5, options.results(), out);
        return 0;
    }
}
