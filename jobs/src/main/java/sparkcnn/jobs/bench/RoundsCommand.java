package sparkcnn.jobs.bench;

import java.io.File;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sparkcnn.driver.SparkContexts;
import sparkcnn.driver.train.EngineKind;

/** {@code sparkcnn bench rounds}: submitted to a cluster, it measures that cluster's averaging round. */
@Command(name = "rounds", mixinStandardHelpOptions = true,
        description = "an averaging round of DenseNet-121's state on this cluster: broadcast and tree-reduce "
                + "through the driver (--engine driver), or the ring between the workers (--engine allreduce)")
public final class RoundsCommand implements Callable<Integer> {
    @Option(names = "--workers", paramLabel = "N", required = true, description = "tasks per round, one per executor")
    int workers;
    @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = "driver",
            description = "driver (through the driver) or allreduce (the ring)")
    String engine;
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
            switch (EngineKind.named(engine)) {
                case ALLREDUCE -> RingRoundBench.run(sc, workers, repeats, file, out);
                case DRIVER -> RoundCostBench.run(sc, workers, depth, repeats, file, out);
                default -> throw new IllegalArgumentException("--engine is '" + engine + "'; use allreduce or driver");
            }
        }
        return 0;
    }
}
