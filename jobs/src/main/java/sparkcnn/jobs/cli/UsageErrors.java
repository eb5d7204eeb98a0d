package sparkcnn.jobs.cli;

import java.io.PrintStream;
import picocli.CommandLine;

/** A command line picocli cannot parse: what is wrong, the synopsis, where to look; exit status 2. */
public final class UsageErrors implements CommandLine.IParameterExceptionHandler {
    private final PrintStream err;

    public UsageErrors(PrintStream err) {
        this.err = err;
    }

    @Override
    public int handleParseException(CommandLine.ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        err.println("sparkcnn: " + e.getMessage());
        err.print("Usage: " + command.getHelp().synopsis(0));
        err.printf("Try '%s --help' for its options%s.%n", command.getCommandSpec().qualifiedName(),
                command.getSubcommands().isEmpty() ? " and config keys" : " and commands");
        return ExitStatus.USAGE;
    }
}
