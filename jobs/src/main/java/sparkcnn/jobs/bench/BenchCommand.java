package sparkcnn.jobs.bench;

import java.io.PrintStream;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code sparkcnn bench ...}: measurements. {@code bench rounds} ships in the spark-submit jar (it
 * measures the cluster it is submitted to); the benchmarks of one machine live in the bench module,
 * which adds its commands here through {@link Benchmarks} when it is on the class path (bin/sparkcnn).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measurements, written to bench/results.",
                "bin/sparkcnn has them all; the spark-submit jar has bench rounds, which measures the cluster it is",
                "submitted to."})
public final class BenchCommand implements Callable<Integer> {
    /** A provider of bench subcommands, found with {@link ServiceLoader}. */
    public interface Benchmarks {
        /** picocli command objects that print to {@code out}. */
        List<Object> commands(PrintStream out);
    }

    @Spec
    CommandSpec spec;

    /** The bench command with rounds and every subcommand a {@link Benchmarks} on the class path adds. */
    public static CommandLine tree(PrintStream out) {
        CommandLine bench = new CommandLine(new BenchCommand()).addSubcommand(new RoundsCommand(out));
        ServiceLoader.load(Benchmarks.class).forEach(b -> b.commands(out).forEach(bench::addSubcommand));
        return bench;
    }

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "bench needs what to measure: bench "
                + String.join(" | bench ", spec.subcommands().keySet()));
    }
}
