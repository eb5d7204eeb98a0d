package sparkcnn.jobs.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** Checks of option values that picocli's types do not make. */
public final class Options {
    private Options() {
    }

    public static int positive(CommandSpec spec, int value, String option) {
        if (value < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " expects a number >= 1, got " + value);
        }
        return value;
    }

    /** Refuses a combination of options, naming them. */
    public static void refuse(CommandSpec spec, boolean refused, String why) {
        if (refused) {
            throw new CommandLine.ParameterException(spec.commandLine(), why);
        }
    }
}
