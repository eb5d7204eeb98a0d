package sparkcnn.bench;

import java.io.File;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sparkcnn bench train}. */
@Command(name = "train", mixinStandardHelpOptions = true, description = {
        "per-worker img/s and memory of pattern, densenet-bc-40, densenet-bc-100, densenet-121 beside PyTorch",
        "(bench/peer/torch_bench.py with /usr/bin/python3 or $SPARKCNN_PYTHON), Spark local 2 x 1 thread",
        "against 1 x 2, the averaging round's share"})
final class TrainBenchCommand implements Callable<Integer> {
    @Mixin
    BenchOptions.Models models = new BenchOptions.Models();
    @Mixin
    BenchOptions options = new BenchOptions();
    @Option(names = "--repeats", paramLabel = "N", defaultValue = "1",
            description = "the whole measurement N times; each figure the median (default ${DEFAULT-VALUE})")
    int repeats;

    private final PrintStream out;

    TrainBenchCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        String python = PeerProcess.python();
        new TrainBench(models.warmup, models.iterations, models.threads, new File(python).canExecute() ? python : null,
                out).run(models.models, options.results(), repeats);
        return 0;
    }
}
