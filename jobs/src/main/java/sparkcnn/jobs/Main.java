package sparkcnn.jobs;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueFactory;
import java.io.File;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import sparkcnn.driver.data.DataException;
import sparkcnn.driver.train.DivergenceException;
import sparkcnn.jobs.config.JobConfig;
import sparkcnn.jobs.train.TrainJob;
import sparkcnn.jobs.train.TrainSpec;
import sparkcnn.kernels.arch.GeometryException;

/**
 * {@code sparkcnn <command> [options]}, locally through bin/sparkcnn or on a cluster through
 * spark-submit. Exit status 0 on success, 1 on a failed run, 2 on a usage or configuration error.
 */
public final class Main {
    static final String USAGE = """
            usage: sparkcnn train --config FILE [--set key=value ...] [--master URL]

            commands:
              train    train a network by parameter averaging on Spark, evaluating each epoch

            options:
              --config FILE      a HOCON job file (see conf/ and the keys of sparkcnn/reference.conf)
              --set key=value    override one config key; may be repeated
              --master URL       Spark master (default: the config's spark.master, local[*])
              --help             this text
            """;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        try {
            Options options = Options.parse(args);
            if (options.help) {
                out.print(USAGE);
                return 0;
            }
            switch (options.command) {
                case "train" -> train(options, out);
                default -> throw new UsageException("unknown command '" + options.command + "'");
            }
            return 0;
        } catch (UsageException | ConfigException | GeometryException | DataException e) {
            err.println("sparkcnn: " + e.getMessage());
            if (e instanceof UsageException) {
                err.print(USAGE);
            }
            return 2;
        } catch (DivergenceException e) {
            err.println("sparkcnn: " + e.getMessage());
            return 1;
        }
    }

    private static void train(Options options, PrintStream out) {
        var config = JobConfig.load(options.config, options.sets);
        if (options.master != null) {
            config = config.withValue("spark.master", ConfigValueFactory.fromAnyRef(options.master));
        }
        var spec = TrainSpec.from(config);
        new TrainJob(spec, JobConfig.render(config), out, System.console() != null).run(options.master != null);
    }

    /** Thrown for command lines that do not parse. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    /** The parsed command line. */
    static final class Options {
        String command;
        File config;
        String master;
        boolean help;
        final List<String> sets = new ArrayList<>();

        static Options parse(String[] args) {
            Options o = new Options();
            o.command = args[0];
            for (int i = 1; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--config" -> o.config = new File(value(args, ++i, arg));
                    case "--set" -> o.sets.add(value(args, ++i, arg));
                    case "--master" -> o.master = value(args, ++i, arg);
                    case "--help", "-h" -> o.help = true;
                    default -> throw new UsageException("unknown option '" + arg + "'");
                }
            }
            return o;
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new UsageException(option + " needs a value");
            }
            return args[i];
        }
    }
}
