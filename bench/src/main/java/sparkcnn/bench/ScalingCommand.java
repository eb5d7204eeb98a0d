package sparkcnn.bench;

import java.io.File;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sparkcnn bench scaling}. */
@Command(name = "scaling", mixinStandardHelpOptions = true, description = {
        "the scaling model fitted to bench/results/scaling-measured.json, projected to DenseNet-121 on ImageNet",
        "for 8 to 256 workers"})
final class ScalingCommand implements Callable<Integer> {
    @Option(names = "--measured", paramLabel = "FILE",
            description = "what ScalingMeasurement measured on a standalone cluster "
                    + "(default: the installation's bench/results/scaling-measured.json)")
    File measured;
    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "minibatch per worker")
    int batch;
    @Option(names = "--cpu-rate", paramLabel = "IMG/S", defaultValue = "4.3",
            description = "DenseNet-121 training img/s of a CPU worker (bench train, 2 threads)")
    double cpuRate;
    @Option(names = "--gpu-rate", paramLabel = "IMG/S", defaultValue = "1000",
            description = "DenseNet-121 training img/s of a GPU worker")
    double gpuRate;
    @Mixin
    BenchOptions options = new BenchOptions();

    private final PrintStream out;

    ScalingCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        ScalingReport.run(Installation.orDefault(measured, "bench/results/scaling-measured.json"), batch, List.of(
                new ScalingReport.WorkerKind("CPU", cpuRate,
                        "measured: `bench train` (bench/results/train.md), one 2-thread process on this machine, batch 16"),
                new ScalingReport.WorkerKind("GPU", gpuRate,
                        "not measured, no GPU was lent: the decode goal of issue 13, about what one "
                                + "data-centre GPU trains DenseNet-121 at in mixed precision")), options.results(), out);
        return 0;
    }
}
