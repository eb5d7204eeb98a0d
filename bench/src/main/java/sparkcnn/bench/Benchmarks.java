package sparkcnn.bench;

import java.io.PrintStream;
import java.util.List;
import sparkcnn.jobs.bench.BenchCommand;

/** The bench module's subcommands of {@code sparkcnn bench}, found by jobs' Main through ServiceLoader. */
public final class Benchmarks implements BenchCommand.Benchmarks {
    @Override
    public List<Object> commands(PrintStream out) {
        return List.of(new TrainBenchCommand(out), new ProfileCommand(out), new DecodeCommand(out),
                new ScaleCommand(out), new ScalingCommand(out), new EnginesCommand(out), new DenseBlockCommand(out),
                new StepCommand(out), new OnnxCommand(out));
    }
}
