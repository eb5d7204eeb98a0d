package sparkcnn.bench;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sparkcnn bench engines}. */
@Command(name = "engines", mixinStandardHelpOptions = true,
        description = "the ring all-reduce, sparkcnn's averaging through the driver and DL4J Spark's "
                + "ParameterAveragingTrainingMaster on the same jobs")
final class EnginesCommand implements Callable<Integer> {
    @Option(names = "--epochs", paramLabel = "N", defaultValue = "2", description = "epochs per run")
    int epochs;
    @Option(names = "--engines", paramLabel = "E,...", split = ",",
            defaultValue = "allreduce,driver,dl4j-parameter-averaging", description = "the engines, in this order")
    java.util.List<String> engines;
    @Mixin
    BenchOptions.Jobs jobs = new BenchOptions.Jobs("target/bench-engines", 4096);
    @Mixin
    BenchOptions options = new BenchOptions();

    private final PrintStream out;

    EnginesCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        new EnginesBench(jobs.workDir(), out).run(engines, epochs, jobs.heapMb, options.results());
        return 0;
    }
}
