package sparkcnn.jobs;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueFactory;
import java.io.File;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import sparkcnn.driver.data.DataException;
import sparkcnn.driver.io.RunDirectoryException;
import sparkcnn.driver.train.DivergenceException;
import sparkcnn.driver.train.RunLayout;
import sparkcnn.jobs.config.JobConfig;
import sparkcnn.jobs.config.ModelConfig;
import sparkcnn.jobs.bench.DecodeBench;
import sparkcnn.jobs.bench.OpProfile;
import sparkcnn.jobs.bench.TrainBench;
import sparkcnn.jobs.config.ConfigHelp;
import sparkcnn.jobs.evaluate.EvaluateCommand;
import sparkcnn.jobs.export.ExportCommand;
import sparkcnn.jobs.inspect.InspectCommand;
import sparkcnn.jobs.sweep.SweepJob;
import sparkcnn.jobs.sweep.SweepSpec;
import sparkcnn.jobs.train.TrainJob;
import sparkcnn.jobs.train.TrainSpec;
import sparkcnn.kernels.backend.BackendUnavailableException;

/**
 * {@code sparkcnn <command> [options]}, locally through bin/sparkcnn or on a cluster through
 * spark-submit. Exit status 0 on success, 1 on a failed run, 2 on a usage or configuration error.
 */
public final class Main {
    static final String USAGE = """
            usage: sparkcnn <command> [options]      (sparkcnn <command> --help: its options and config keys)

            commands:
              train      train a network by parameter averaging on Spark, evaluating each epoch
              evaluate   score a saved model on a test set: accuracy, top-5, per-class, confusion matrix
              sweep      train the trials of a grid or random search over config keys; rank them
              inspect    per-layer report: output volume, parameters, activations, FLOPs, memory
              export     decode the data once into minibatch files (read back with data.format = exported)
              bench      measurements written to bench/results

            Locally: bin/sparkcnn <command> ... (embedded Spark, local[*] unless --master says otherwise).
            On a cluster: spark-submit --class sparkcnn.jobs.Main jobs/target/sparkcnn-*-spark.jar <command> ...
            """;

    static final String COMMON_OPTIONS = """
              --config FILE        a HOCON job file (see conf/); keys below
              --set key=value      override one config key; may be repeated
              --master URL         Spark master (default: spark-submit's, else the config's spark.master)
            """;

    static final String MODEL_OPTIONS = """
            model options (shorthands for --set model.KEY=VALUE):
              --model TYPE         %s
              --depth L            DenseNet depth (model.depth)
              --growth K           DenseNet growth rate (model.growth-rate)
              --compression THETA  DenseNet-C/-BC compression (model.compression)
              --dropout RATE       DenseNet dropout after each convolution (model.dropout)
              --input WxHxD        input volume, e.g. 32x32x3 (model.input)
              --classes N          number of classes (model.classes)
            """.formatted(String.join(" | ", ModelConfig.TYPES));

    /** Each command's --help: usage, options, and the config sections it reads. */
    static final Map<String, CommandHelp> HELP = Map.of(
            "train", new CommandHelp("""
                    usage: sparkcnn train --config FILE [--set key=value ...] [--master URL]
                           sparkcnn train --resume RUN_DIR [--set key=value ...] [--master URL]
                    Trains by parameter averaging; writes RUN_DIR (run.dir): checkpoints, model.zip,
                    metrics.jsonl, curves.png, report.html. Exit status 1 when training diverges.
                    A run.dir that holds a run already is an error unless --resume or --overwrite.
                    options:
                    """ + COMMON_OPTIONS + """
                      --resume RUN_DIR     continue a run from its latest checkpoint, with the config it ran with;
                                           --set may change only train.epochs, train.stop.*, spark.*, backend and
                                           other keys that leave the trained network and its data alone
                      --overwrite          delete the run in run.dir first (only the files a run writes)
                    """ + MODEL_OPTIONS, List.of("backend", "run", "spark", "data", "model", "train")),
            "evaluate", new CommandHelp("""
                    usage: sparkcnn evaluate RUN_DIR|MODEL_ZIP [--config FILE] [--set key=value ...] [--json FILE]
                    Scores a run's model.zip on the test set (data.test.*) of the run's own config.conf,
                    or of --config FILE; normalisation statistics come from the run directory.
                    options:
                    """ + COMMON_OPTIONS + """
                      --json FILE          also write the results as JSON
                    """, List.of("data")),
            "sweep", new CommandHelp("""
                    usage: sparkcnn sweep --config SWEEP_FILE [--set key=value ...] [--master URL]
                    Trains every trial of the sweep file (conf/sweep-*.conf) into SWEEP_DIR/trial-N and writes
                    SWEEP_DIR/leaderboard.csv and .html. Started again, it skips finished trials and resumes
                    interrupted ones. --set overrides a key of the base job for every trial.
                    options:
                    """ + COMMON_OPTIONS + """
                    sweep file keys (any job key may be varied in sweep.keys or fixed in sweep.set):
                    """, List.of("sweep")),
            "inspect", new CommandHelp("""
                    usage: sparkcnn inspect (--config FILE | --model TYPE ...) [--batch N] [--json FILE]
                    Checks every layer's geometry and prints its output volume, parameters, activations,
                    FLOPs and memory (parameters x3 for training). Starts no Spark.
                    options:
                    """ + COMMON_OPTIONS + """
                      --batch N            batch size for the memory estimate (default 64)
                      --json FILE          also write the report as JSON
                    """ + MODEL_OPTIONS, List.of("model")),
            "export", new CommandHelp("""
                    usage: sparkcnn export --config FILE --out DIR [--batch N] [--set key=value ...] [--master URL]
                    Decodes the job's data once into minibatch files under DIR/train and DIR/test (local,
                    file:// or hdfs://); train from them with data.format = exported, data.train.dir = DIR/train.
                    options:
                    """ + COMMON_OPTIONS + """
                      --out DIR            where DIR/train and DIR/test go
                      --batch N            examples per minibatch file (default 64)
                    """, List.of("data")),
            "bench", new CommandHelp("""
                    usage: sparkcnn bench train [--only MODEL,...] [--iterations N] [--warmup N] [--threads N] [--out DIR]
                           sparkcnn bench profile [--only MODEL,...] [--iterations N] [--threads N] [--out DIR]
                           sparkcnn bench decode [--images N] [--out DIR]
                    train:  per-worker training and inference img/s and peak memory for pattern, densenet-bc-40,
                            densenet-bc-100 and densenet-121, each beside PyTorch's (bench/peer/torch_bench.py with
                            /usr/bin/python3 or $SPARKCNN_PYTHON, when python3-torch is installed); then Spark local
                            mode 2 x 1 thread against 1 x 2 threads, and the averaging round's time and share at
                            averaging frequency 1, 5, 20. Writes train.json and train.md.
                    profile: time per ND4J op (conv2d, batchnorm_bp, ...) of training steps; default densenet-bc-40.
                    decode: the worker's image input path (JPEG decode, resize, crop, augmentation).
                    options:
                      --only MODEL,...     measure only these models
                      --iterations N       timed steps per measurement (default 5); --warmup N untimed first (2)
                      --threads N          threads of the one-process measurement and Spark workers (default 2)
                      --images N           images per pass (default 200)
                      --out DIR            results directory (default bench/results)
                    """, List.of()));

    /** One command's help text and the reference config sections it lists. */
    record CommandHelp(String text, List<String> sections) {
        String render() {
            if (sections.isEmpty()) {
                return text;
            }
            var reference = sections.contains("sweep") ? SweepSpec.reference() : JobConfig.reference();
            return text + (sections.contains("sweep") ? "" : "config keys (defaults; sparkcnn/reference.conf):\n")
                    + ConfigHelp.keys(reference, sections);
        }
    }

    /** Flags that are shorthands for model config keys. */
    private static final Map<String, String> MODEL_FLAGS = Map.of(
            "--model", "model.type", "--depth", "model.depth", "--growth", "model.growth-rate",
            "--compression", "model.compression", "--dropout", "model.dropout", "--input", "model.input",
            "--classes", "model.classes");

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Main.class);

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
                CommandHelp help = HELP.get(options.command);
                out.print(help == null ? USAGE : help.render());
                return help == null && !options.command.startsWith("-") ? 2 : 0;
            }
            if (options.target != null && !List.of("bench", "evaluate").contains(options.command)) {
                throw new UsageException("unexpected argument '" + options.target + "'");
            }
            switch (options.command) {
                case "train" -> train(options, out);
                case "inspect" -> InspectCommand.run(JobConfig.load(options.config, options.sets), options.batch,
                        options.json, out);
                case "bench" -> bench(options, out);
                case "export" -> export(options, out);
                case "evaluate" -> evaluate(options, out);
                case "sweep" -> sweep(options, out);
                default -> throw new UsageException("unknown command '" + options.command + "'");
            }
            return 0;
        } catch (UsageException | ConfigException | IllegalArgumentException | DataException
                 | BackendUnavailableException | RunDirectoryException e) {
            // IllegalArgumentException covers GeometryException: a layer that cannot exist
            err.println("sparkcnn: " + e.getMessage());
            if (e instanceof UsageException) {
                CommandHelp help = HELP.get(args[0]);
                err.print(help == null ? USAGE : help.text());
            }
            return 2;
        } catch (DivergenceException e) {
            err.println("sparkcnn: " + e.getMessage());
            return 1;
        } catch (Exception | OutOfMemoryError e) {
            // never a raw stack trace for the user: one line that says what failed; the trace goes to the log
            log.error("sparkcnn {} failed", args[0], e);
            Throwable cause = rootCause(e);
            if (cause instanceof BackendUnavailableException || cause instanceof DataException
                    || cause instanceof ConfigException) {
                err.println("sparkcnn: " + cause.getMessage()); // on an executor: still the data's or config's fault
                return cause instanceof DataException ? 1 : 2;
            }
            // a task failed on an executor (Scala throws SparkException undeclared): say why in its own words
            String where = e instanceof org.apache.spark.SparkException ? "a Spark job failed: " : "";
            err.println("sparkcnn: " + where + cause.getClass().getSimpleName() + ": " + cause.getMessage()
                    + " (the stack trace is in the log)");
            return 1;
        }
    }

    static Throwable rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            if (cause instanceof DataException) {
                return cause;
            }
            cause = cause.getCause();
        }
        return cause;
    }

    private static void bench(Options options, PrintStream out) {
        if ("decode".equals(options.target)) {
            DecodeBench.run(options.images, 5, options.out, out);
        } else if ("train".equals(options.target)) {
            String python = System.getenv().getOrDefault("SPARKCNN_PYTHON", "/usr/bin/python3");
            new TrainBench(options.warmup, options.iterations, options.threads,
                    new File(python).canExecute() ? python : null, out).run(options.models, options.out);
        } else if ("profile".equals(options.target)) {
            for (TrainBench.Model model : TrainBench.models(options.models.isEmpty() ? List.of("densenet-bc-40")
                    : options.models)) {
                OpProfile.run(model, options.warmup, options.iterations, options.threads, options.out, out);
            }
        } else {
            throw new UsageException("bench needs what to measure: bench train | bench profile | bench decode");
        }
    }

    private static void train(Options options, PrintStream out) {
        if (options.resume != null && options.config != null) {
            throw new UsageException("--resume takes the config the run was started with; drop --config");
        }
        if (options.resume != null && options.overwrite) {
            throw new UsageException("--resume continues a run, --overwrite deletes it: give one of them");
        }
        RunLayout.Start start = options.resume != null ? RunLayout.Start.RESUME
                : options.overwrite ? RunLayout.Start.OVERWRITE : RunLayout.Start.NEW;
        new TrainJob(jobConfig(options), out, System.console() != null).run(options.master != null, start);
    }

    private static void evaluate(Options options, PrintStream out) {
        if (options.target == null) {
            throw new UsageException("evaluate needs the run directory or model.zip to score");
        }
        boolean isZip = options.target.endsWith(".zip");
        String model = isZip ? options.target : options.target.replaceAll("/+$", "") + "/" + RunLayout.MODEL;
        String runDir = isZip ? new org.apache.hadoop.fs.Path(model).getParent().toString() : options.target;
        var config = options.config != null ? JobConfig.load(options.config, options.sets)
                : JobConfig.loadRun(runDir, options.sets);
        if (options.master != null) {
            config = config.withValue("spark.master", ConfigValueFactory.fromAnyRef(options.master));
        }
        EvaluateCommand.run(TrainSpec.from(config), model, options.master != null, options.json, out);
    }

    private static void sweep(Options options, PrintStream out) {
        if (options.config == null) {
            throw new UsageException("sweep needs --config SWEEP_FILE");
        }
        new SweepJob(SweepSpec.load(options.config), options.sets, options.master, out).run();
    }

    private static void export(Options options, PrintStream out) {
        if (options.outGiven == null) {
            throw new UsageException("export needs --out DIR");
        }
        ExportCommand.run(TrainSpec.from(jobConfig(options)), options.outGiven, options.batch, options.master != null, out);
    }

    private static com.typesafe.config.Config jobConfig(Options options) {
        var config = options.resume == null ? JobConfig.load(options.config, options.sets)
                : JobConfig.loadRun(options.resume, options.sets);
        if (options.master != null) {
            config = config.withValue("spark.master", ConfigValueFactory.fromAnyRef(options.master));
        }
        return config;
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
        File json;
        int batch = 64;
        int images = 200;
        int warmup = 2;
        int iterations = 5;
        int threads = 2;
        final List<String> models = new ArrayList<>();
        File out = new File("bench/results");
        String outGiven;
        String resume;
        String target;
        boolean help;
        boolean overwrite;
        final List<String> sets = new ArrayList<>();

        static Options parse(String[] args) {
            Options o = new Options();
            o.command = args[0];
            for (int i = 1; i < args.length; i++) {
                String arg = args[i];
                if (MODEL_FLAGS.containsKey(arg)) {
                    o.sets.add(MODEL_FLAGS.get(arg) + "=" + value(args, ++i, arg));
                    continue;
                }
                switch (arg) {
                    case "--config" -> o.config = new File(value(args, ++i, arg));
                    case "--set" -> o.sets.add(value(args, ++i, arg));
                    case "--master" -> o.master = value(args, ++i, arg);
                    case "--resume" -> o.resume = value(args, ++i, arg);
                    case "--json" -> o.json = new File(value(args, ++i, arg));
                    case "--batch" -> o.batch = number(value(args, ++i, arg), arg);
                    case "--images" -> o.images = number(value(args, ++i, arg), arg);
                    case "--warmup" -> o.warmup = number(value(args, ++i, arg), arg);
                    case "--iterations" -> o.iterations = number(value(args, ++i, arg), arg);
                    case "--threads" -> o.threads = number(value(args, ++i, arg), arg);
                    case "--only" -> o.models.addAll(List.of(value(args, ++i, arg).split(",")));
                    case "--out" -> {
                        o.outGiven = value(args, ++i, arg);
                        o.out = new File(o.outGiven);
                    }
                    case "--overwrite" -> o.overwrite = true;
                    case "--help", "-h" -> o.help = true;
                    default -> {
                        if (arg.startsWith("-") || o.target != null) {
                            throw new UsageException("unknown option '" + arg + "'");
                        }
                        o.target = arg;
                    }
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

        private static int number(String text, String option) {
            try {
                int n = Integer.parseInt(text);
                if (n >= 1) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new UsageException(option + " expects a number >= 1, got '" + text + "'");
        }
    }
}
