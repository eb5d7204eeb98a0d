package sparkcnn.jobs;

import com.typesafe.config.Config;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import sparkcnn.jobs.bench.BenchCommand;
import sparkcnn.jobs.cli.ExitStatus;
import sparkcnn.jobs.cli.UsageErrors;
import sparkcnn.jobs.config.ConfigHelp;
import sparkcnn.jobs.config.JobConfig;
import sparkcnn.jobs.evaluate.EvaluateCommand;
import sparkcnn.jobs.export.ExportCommand;
import sparkcnn.jobs.export.ExportModelCommand;
import sparkcnn.jobs.inspect.InspectCommand;
import sparkcnn.jobs.predict.PredictCommand;
import sparkcnn.jobs.sweep.SweepCommand;
import sparkcnn.jobs.sweep.SweepSpec;
import sparkcnn.jobs.train.TrainCommand;

/**
 * {@code sparkcnn <command> [options]}, locally through bin/sparkcnn or on a cluster through
 * spark-submit: wires the command tree (one class per command, beside what it runs) and the exit
 * policy ({@link ExitStatus}: 0 success, 1 a failed run, 2 a usage or configuration error).
 */
@Command(name = "sparkcnn", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Distributed training of convolutional networks on Apache Spark.",
        footer = {"", "Locally: bin/sparkcnn <command> ... (embedded Spark, local[*] unless --master says otherwise).",
                "On a cluster: spark-submit --class sparkcnn.jobs.Main jobs/target/sparkcnn-*-spark.jar <command> ...",
                "sparkcnn <command> --help: its options and the config keys it reads."})
public final class Main implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** No command: the usage, and a usage error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitStatus.USAGE;
    }

    public static void main(String[] args) {
        if (!"cluster".equals(System.getProperty("spark.submit.deployMode"))) {
            System.exit(run(args, System.out, System.err));
        }
        // A driver in the cluster (spark-submit --deploy-mode cluster) returns on success: YARN's
        // application master counts a System.exit as a failure (exit code 13). A failure's one line
        // is thrown: the application's diagnostics carry it to spark-submit's terminal.
        var err = new LastSaid(System.err);
        int status = run(args, System.out, err);
        if (status != 0) {
            throw new JobFailedException(err.last.substring("sparkcnn: ".length()) + " (exit status " + status + ")");
        }
    }

    /** Standard error that remembers the last line the exit-status policy wrote. */
    private static final class LastSaid extends PrintStream {
        private String last = "sparkcnn: failed";

        LastSaid(PrintStream to) {
            super(to, true);
        }

        @Override
        public void println(String line) {
            if (line != null && line.startsWith("sparkcnn: ")) {
                last = line;
            }
            super.println(line);
        }
    }

    /** A driver in the cluster failed: the message is what the command said. */
    static final class JobFailedException extends RuntimeException {
        JobFailedException(String message) {
            super(message, null, false, false);
        }
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        return commandLine(out, err).execute(args);
    }

    /** The command tree, writing to {@code out} and {@code err}. */
    static CommandLine commandLine(PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(new Main())
                .addSubcommand(new TrainCommand(out))
                .addSubcommand(new EvaluateCommand(out))
                .addSubcommand(new PredictCommand(out))
                .addSubcommand(new SweepCommand(out))
                .addSubcommand(new InspectCommand(out))
                .addSubcommand(new ExportCommand(out))
                .addSubcommand(new ExportModelCommand(out))
                .addSubcommand(BenchCommand.tree(out))
                .addSubcommand("completion", new AutoComplete.GenerateCompletion());
        cli.getSubcommands().get("completion").getCommandSpec().usageMessage().hidden(false)
                .description("a bash/zsh completion script: source <(sparkcnn completion)");
        cli.setUsageHelpWidth(120);
        cli.setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .setExpandAtFiles(false) // '@' may start a path or a value
                .setExecutionExceptionHandler((e, commandLine, parsed) -> ExitStatus.of(e, err))
                .setParameterExceptionHandler(new UsageErrors(err));
        configKeys(cli, "train", JobConfig.reference(), List.of("backend", "run", "spark", "data", "model", "train"));
        configKeys(cli, "evaluate", JobConfig.reference(), List.of("data"));
        configKeys(cli, "inspect", JobConfig.reference(), List.of("model"));
        configKeys(cli, "export-data", JobConfig.reference(), List.of("data"));
        cli.getSubcommands().get("sweep").getCommandSpec().usageMessage().footer("",
                "sweep file keys (any job key may be varied in sweep.keys or fixed in sweep.set):",
                ConfigHelp.keys(SweepSpec.reference(), List.of("sweep")));
        return cli;
    }

    /** Lists the config keys a command reads, with defaults and comments, under its options. */
    private static void configKeys(CommandLine cli, String command, Config reference, List<String> sections) {
        cli.getSubcommands().get(command).getCommandSpec().usageMessage()
                .footer("", "config keys (defaults; sparkcnn/reference.conf):", ConfigHelp.keys(reference, sections));
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"sparkcnn " + (version == null ? "(development build)" : version)};
        }
    }
}
