package sparkcnn.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import sparkcnn.kernels.arch.DenseBlockSpec;
import sparkcnn.kernels.net.LayerOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sparkcnn bench step}: one DenseNet's training and inference img/s and peak resident memory
 * in this JVM, as one JSON line; {@code bench dense-block} runs it once per measurement, each in a
 * JVM of its own, so that each peak is its own.
 */
@Command(name = "step", hidden = true, description = "one model's img/s and peak memory in this JVM, as JSON")
final class StepCommand implements Callable<Integer> {
    @Option(names = "--model", required = true)
    String model;
    @Option(names = "--batch", required = true)
    int batch;
    @Option(names = "--warmup", defaultValue = "" + DenseBlockCommand.STEADY_WARMUP)
    int warmup;
    @Option(names = "--iterations", defaultValue = "3")
    int iterations;
    @Option(names = "--threads", defaultValue = "2")
    int threads;
    @Option(names = "--recompute", defaultValue = "auto", description = "model.recompute of its dense blocks")
    String recompute;
    @Option(names = "--dense-blocks", arity = "1", defaultValue = "true",
            description = "model.layers.dense-blocks: each dense block as one layer (false: the per-layer graph)")
    boolean denseBlocks;

    private final PrintStream out;

    StepCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        var row = new TrainBench(warmup, iterations, threads, null, out)
                .single(Model.denseNet(model, batch, DenseBlockSpec.Recompute.parse(recompute),
                        LayerOptions.DEFAULT.withDenseBlocks(denseBlocks)));
        out.println(new ObjectMapper().writeValueAsString(row));
        return 0;
    }
}
