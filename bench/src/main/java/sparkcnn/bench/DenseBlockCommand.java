package sparkcnn.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sparkcnn bench dense-block}. */
@Command(name = "dense-block", mixinStandardHelpOptions = true, description = {
        "DenseNets' training and inference img/s and peak memory: sparkcnn's dense blocks as one layer, its per-layer",
        "graph, PyTorch plain and memory_efficient; every measurement a process of its own, sides alternating"})
final class DenseBlockCommand implements Callable<Integer> {
    /**
     * Steps before a JVM's steady state: on 2 cores the JIT compiles the kernels beside the two busy
     * training threads, and DenseNet-BC-40's steps settle after 10-16 (bench/results/warm-up.md).
     */
    static final int STEADY_WARMUP = 15;

    @Option(names = "--case", paramLabel = "MODEL:BATCH:STEPS:REPEATS", description = {
            "a model at a batch, timed steps per measurement, repeats (default: the issue's set)"})
    List<String> cases = new ArrayList<>(List.of("densenet-bc-40:64:10:5", "densenet-bc-100:64:5:5",
            "densenet-121:16:3:5", "densenet-121:64:2:1", "densenet-264:32:2:1"));
    @Option(names = "--threads", defaultValue = "2", description = "threads of each process")
    int threads;
    @Option(names = "--warmup", defaultValue = "" + STEADY_WARMUP, paramLabel = "N", description = {
            "untimed steps first in every process, every side alike (default: ${DEFAULT-VALUE}, the JVM's kernels compiled)"})
    int warmup;
    @Mixin
    BenchOptions options = new BenchOptions();

    private final PrintStream out;

    DenseBlockCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        List<DenseBlockBench.Case> parsed = cases.stream().map(c -> {
            String[] p = c.split(":");
            return new DenseBlockBench.Case(p[0], Integer.parseInt(p[1]), Integer.parseInt(p[2]), Integer.parseInt(p[3]));
        }).toList();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("machine", Cpu.model() + ", " + Runtime.getRuntime().availableProcessors() + " cores, "
                + Cpu.simdFlags() + ", " + threads + " threads per process");
        result.put("warmup_steps", warmup);
        result.put("cases", new DenseBlockBench(threads, warmup, out).run(parsed));
        DenseBlockBench.write(result, options.results());
        return 0;
    }
}
