package sparkcnn.jobs.bench;

import java.io.File;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sparkcnn.driver.SparkContexts;

/** {@code sparkcnn bench rounds}: submitted to a cluster, it measures that cluster's averaging round. */
@Command(name = "rounds", mixinStandardHelpOptions = true,
        description = "an averaging round's broadcast and tree-reduce of DenseNet-121's state on this cluster")
public final class RoundsCommand implements Callable<Integer> {
    @Option(names = "--workers", paramLabel = "N", required = true, description = "tasks per round, one per executor")
    int workers;
    @Option(names = "--depth", paramLabel = "D", defaultValue = "2", description = "treeReduce depth")
    int depth;
    @Option(names = "--repeats", paramLabel = "N", defaultValue = "5", description = "timed rounds (medians)")
    int repeats;
    @Option(names = "--master", paramLabel = "URL", defaultValue = "local[2]",
            description = "where spark-submit set none")
    String master;
    @Option(names = "--out", paramLabel = "FILE", defaultValue = "bench/results/rounds.json", description = "result")
    File file;

    private final PrintStream out;

    public RoundsCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        try (var sc = SparkContexts.start(master, "sparkcnn-bench-rounds", false)) {
            RoundCostBench.run(sc, workers, depth, repeats, file, out);
        }
        return 0;
    }
}
