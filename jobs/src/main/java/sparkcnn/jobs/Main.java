package sparkcnn.jobs;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueFactory;
import java.io.File;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import sparkcnn.driver.data.DataException;
import sparkcnn.driver.io.RunDirectoryException;
import sparkcnn.driver.train.DivergenceException;
import sparkcnn.driver.train.RunLayout;
import sparkcnn.jobs.bench.DecodeBench;
import sparkcnn.jobs.bench.OpProfile;
import sparkcnn.jobs.bench.TrainBench;
import sparkcnn.jobs.config.ConfigHelp;
import sparkcnn.jobs.config.JobConfig;
import sparkcnn.jobs.config.ModelConfig;
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
 * Each command is a picocli command below; its help lists its options and the config keys it reads.
 */
@Command(name = "sparkcnn", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Distributed training of convolutional networks on Apache Spark.",
        footer = {"", "Locally: bin/sparkcnn <command> ... (embedded Spark, local[*] unless --master says otherwise).",
                "On a cluster: spark-submit --class sparkcnn.jobs.Main jobs/target/sparkcnn-*-spark.jar <command> ...",
                "sparkcnn <command> --help: its options and the config keys it reads."})
public final class Main implements Callable<Integer> {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Main.class);

    @Spec
    CommandSpec spec;

    private final PrintStream out;

    private Main(PrintStream out) {
        this.out = out;
    }

    /** No command: the usage, and a usage error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        return commandLine(out, err).execute(args);
    }

    /** The command tree, writing to {@code out} and {@code err}. */
    static CommandLine commandLine(PrintStream out, PrintStream err) {
        Main main = new Main(out); // the commands are its inner classes and print to its out
        CommandLine cli = new CommandLine(main)
                .addSubcommand(main.new Train())
                .addSubcommand(main.new Evaluate())
                .addSubcommand(main.new Predict())
                .addSubcommand(main.new Sweep())
                .addSubcommand(main.new Inspect())
                .addSubcommand(main.new Export())
                .addSubcommand(new CommandLine(new Bench())
                        .addSubcommand(main.new BenchTrain())
                        .addSubcommand(main.new BenchProfile())
                        .addSubcommand(main.new BenchDecode())
                        .addSubcommand(main.new BenchScale())
                        .addSubcommand(main.new BenchRounds())
                        .addSubcommand(main.new BenchScaling())
                        .addSubcommand(main.new BenchEngines()))
                .addSubcommand("completion", new AutoComplete.GenerateCompletion());
        cli.getSubcommands().get("completion").getCommandSpec().usageMessage().hidden(false)
                .description("a bash/zsh completion script: source <(sparkcnn completion)");
        cli.setUsageHelpWidth(120);
        cli.setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .setExpandAtFiles(false) // '@' may start a path or a value
                .setExecutionExceptionHandler((e, commandLine, parsed) -> failure(e, err))
                .setParameterExceptionHandler((e, args) -> {
                    CommandLine command = e.getCommandLine();
                    err.println("sparkcnn: " + e.getMessage());
                    err.print("Usage: " + command.getHelp().synopsis(0));
                    err.printf("Try '%s --help' for its options%s.%n", command.getCommandSpec().qualifiedName(),
                            command.getSubcommands().isEmpty() ? " and config keys" : " and commands");
                    return 2;
                });
        configKeys(cli, "train", JobConfig.reference(), List.of("backend", "run", "spark", "data", "model", "train"));
        configKeys(cli, "evaluate", JobConfig.reference(), List.of("data"));
        configKeys(cli, "inspect", JobConfig.reference(), List.of("model"));
        configKeys(cli, "export", JobConfig.reference(), List.of("data"));
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

    /**
     * Never a raw stack trace for the user: one line that says what failed and whose fault it is
     * (exit 2: the command line, config or data set up; 1: the run failed); the trace goes to the log.
     */
    static int failure(Exception e, PrintStream err) {
        Throwable cause = rootCause(e);
        if (e instanceof ConfigException || e instanceof IllegalArgumentException || e instanceof DataException
                || e instanceof BackendUnavailableException || e instanceof RunDirectoryException) {
            // IllegalArgumentException covers GeometryException: a layer that cannot exist
            err.println("sparkcnn: " + e.getMessage());
            return 2;
        }
        if (e instanceof DivergenceException) {
            err.println("sparkcnn: " + e.getMessage());
            return 1;
        }
        log.error("sparkcnn failed", e);
        if (cause instanceof BackendUnavailableException || cause instanceof DataException
                || cause instanceof ConfigException) {
            err.println("sparkcnn: " + cause.getMessage()); // on an executor: still the data's or config's fault
            return cause instanceof BackendUnavailableException ? 2 : 1;
        }
        // a task failed on an executor (Scala throws SparkException undeclared): say why in its own words
        String where = e instanceof org.apache.spark.SparkException ? "a Spark job failed: " : "";
        err.println("sparkcnn: " + where + cause.getClass().getSimpleName() + ": " + cause.getMessage()
                + " (the stack trace is in the log)");
        return 1;
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

    // --- options shared by commands

    /** --config, --set and --master: where a job's configuration comes from. */
    static final class JobOptions {
        @Option(names = "--config", paramLabel = "FILE", description = "a HOCON job file (see conf/)")
        File config;

        @Option(names = "--set", paramLabel = "key=value", description = "override one config key; may be repeated")
        List<String> sets = new ArrayList<>();

        @Option(names = "--master", paramLabel = "URL",
                description = "Spark master (default: spark-submit's, else the config's spark.master)")
        String master;

        /** The job file with --set on top, and --master. */
        Config load() {
            return withMaster(JobConfig.load(config, sets));
        }

        Config withMaster(Config c) {
            return master == null ? c : c.withValue("spark.master", ConfigValueFactory.fromAnyRef(master));
        }
    }

    /** Shorthands for model config keys. */
    static final class ModelOptions {
        @Option(names = "--model", paramLabel = "TYPE", description = "model.type: ${COMPLETION-CANDIDATES}",
                completionCandidates = ModelTypes.class)
        String type;
        @Option(names = "--depth", paramLabel = "L", description = "DenseNet depth (model.depth)")
        Integer depth;
        @Option(names = "--growth", paramLabel = "K", description = "DenseNet growth rate (model.growth-rate)")
        Integer growth;
        @Option(names = "--compression", paramLabel = "THETA", description = "DenseNet-C/-BC compression (model.compression)")
        Double compression;
        @Option(names = "--dropout", paramLabel = "RATE", description = "DenseNet dropout after each convolution (model.dropout)")
        Double dropout;
        @Option(names = "--input", paramLabel = "WxHxD", description = "input volume, e.g. 32x32x3 (model.input)")
        String input;
        @Option(names = "--classes", paramLabel = "N", description = "number of classes (model.classes)")
        Integer classes;

        /** The shorthands as --set overrides, added to {@code sets}. */
        List<String> addTo(List<String> sets) {
            List<String> all = new ArrayList<>(sets);
            add(all, "model.type", type);
            add(all, "model.depth", depth);
            add(all, "model.growth-rate", growth);
            add(all, "model.compression", compression);
            add(all, "model.dropout", dropout);
            add(all, "model.input", input);
            add(all, "model.classes", classes);
            return all;
        }

        private static void add(List<String> sets, String key, Object value) {
            if (value != null) {
                sets.add(key + "=" + value);
            }
        }
    }

    /** The model types, for help and completion. */
    static final class ModelTypes extends ArrayList<String> {
        ModelTypes() {
            super(ModelConfig.TYPES);
        }
    }

    static int positive(CommandSpec spec, int value, String option) {
        if (value < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " expects a number >= 1, got " + value);
        }
        return value;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"sparkcnn " + (version == null ? "(development build)" : version)};
        }
    }

    // --- the commands

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = {"Train a network by parameter averaging on Spark, evaluating each epoch.",
                    "Writes the run directory (run.dir): checkpoints, model.zip, metrics.jsonl, curves.png, report.html.",
                    "A run.dir that holds a run already is an error unless --resume or --overwrite is given.",
                    "Exit status 1 when training diverges."})
    final class Train implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        JobOptions job = new JobOptions();
        @Mixin
        ModelOptions model = new ModelOptions();
        @Option(names = "--resume", paramLabel = "RUN_DIR", description = {
                "continue a run from its latest checkpoint, with the config it ran with;",
                "--set may change only keys that leave the trained network, its data and optimiser alone",
                "(train.epochs, train.stop.*, train.checkpoint-every-rounds, spark.*, backend, ...)"})
        String resume;
        @Option(names = "--overwrite", description = "delete the run in run.dir first (only the files a run writes)")
        boolean overwrite;
        @Option(names = "--init-from", paramLabel = "RUN_DIR|MODEL_ZIP", description = {
                "fine-tune: start from a trained model's weights (train.init-from); its classifier is",
                "replaced when model.classes differs; train.freeze-until = LAYER keeps layers up to LAYER fixed"})
        String initFrom;


        @Override
        public Integer call() {
            if (initFrom != null) {
                job.sets.add("train.init-from=" + initFrom);
            }
            if (resume != null && job.config != null) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--resume takes the config the run was started with; drop --config");
            }
            if (resume != null && overwrite) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--resume continues a run, --overwrite deletes it: give one of them");
            }
            List<String> sets = model.addTo(job.sets);
            Config config = job.withMaster(resume == null ? JobConfig.load(job.config, sets)
                    : JobConfig.loadRun(resume, sets));
            RunLayout.Start start = resume != null ? RunLayout.Start.RESUME
                    : overwrite ? RunLayout.Start.OVERWRITE : RunLayout.Start.NEW;
            new TrainJob(config, out, System.console() != null).run(job.master != null, start);
            return 0;
        }
    }

    @Command(name = "evaluate", mixinStandardHelpOptions = true,
            description = {"Score a saved model on a test set: accuracy, top-5, loss, per-class accuracy, confusion matrix.",
                    "A run directory is scored on the test set of its own config.conf (or of --config FILE), with its",
                    "own class names and normalisation statistics."})
    final class Evaluate implements Callable<Integer> {
        @Parameters(paramLabel = "RUN_DIR|MODEL_ZIP", description = "a run directory, or a model.zip inside one")
        String target;
        @Mixin
        JobOptions job = new JobOptions();
        @Option(names = "--json", paramLabel = "FILE", description = "also write the results as JSON")
        File json;


        @Override
        public Integer call() {
            String model = RunLayout.modelOf(target);
            String runDir = RunLayout.runDirOf(target);
            Config config = job.withMaster(job.config != null ? JobConfig.load(job.config, job.sets)
                    : JobConfig.loadRun(runDir, job.sets));
            EvaluateCommand.run(TrainSpec.from(config), model, job.master != null, json, out);
            return 0;
        }
    }

    @Command(name = "predict", mixinStandardHelpOptions = true,
            description = {"Score every image or example under --input with a trained model, on the executors, and",
                    "write one row each with Spark's DataFrame writer: id, path, label (where the input has labels),",
                    "prediction, class, probability, top_classes, top_probabilities, error (an image that does not",
                    "decode). --input: a folder of .jpg/.jpeg/.png files (any nesting, class folders or not), an",
                    "export (sparkcnn export), an idx image file (--labels adds its labels) or a CIFAR .bin file;",
                    "local, file:// or hdfs://. The run's class names, normalisation and image size apply."})
    final class Predict implements Callable<Integer> {
        @Parameters(paramLabel = "RUN_DIR|MODEL_ZIP", description = "a run directory, or a model.zip inside one")
        String target;
        @Option(names = "--input", paramLabel = "PATH", required = true, description = "what to score")
        String input;
        @Option(names = "--labels", paramLabel = "PATH", description = "the idx labels of an idx --input")
        String labels;
        @Option(names = "--out", paramLabel = "PATH", required = true, description = "where the rows go")
        String outPath;
        @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "parquet",
                description = "parquet (default), csv or json")
        String format;
        @Option(names = "--top", paramLabel = "K", defaultValue = "5", description = "classes listed per row (default 5)")
        int top;
        @Option(names = "--overwrite", description = "replace --out where it exists")
        boolean overwrite;
        @Mixin
        JobOptions job = new JobOptions();

        @Override
        public Integer call() {
            String model = RunLayout.modelOf(target);
            String runDir = RunLayout.runDirOf(target);
            Config config = job.withMaster(job.config != null ? JobConfig.load(job.config, job.sets)
                    : JobConfig.loadRun(runDir, job.sets));
            sparkcnn.jobs.predict.PredictCommand.run(TrainSpec.from(config), model,
                    new sparkcnn.jobs.predict.PredictCommand.Request(input, labels, outPath, format, top, overwrite),
                    job.master != null, out);
            return 0;
        }
    }

    @Command(name = "sweep", mixinStandardHelpOptions = true,
            description = {"Train the trials of a grid or random search over config keys, and rank them.",
                    "Each trial of the sweep file (conf/sweep-*.conf) trains into SWEEP_DIR/trial-N; the ranking goes to",
                    "SWEEP_DIR/leaderboard.csv and .html. Started again, it skips finished trials and",
                    "resumes interrupted ones; a trial whose job changed (sweep values, base job, --set) is an error.",
                    "--set overrides a key of the base job for every trial."})
    final class Sweep implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        JobOptions job = new JobOptions();


        @Override
        public Integer call() {
            if (job.config == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "sweep needs --config SWEEP_FILE");
            }
            new SweepJob(SweepSpec.load(job.config), job.sets, job.master, out).run();
            return 0;
        }
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = {"Per-layer report: output volume, parameters, activations, FLOPs, memory.",
                    "Checks every layer's geometry; memory counts parameters x3 for training. Starts no Spark."})
    final class Inspect implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        JobOptions job = new JobOptions();
        @Mixin
        ModelOptions model = new ModelOptions();
        @Option(names = "--batch", paramLabel = "N", defaultValue = "64",
                description = "batch size for the memory estimate (default ${DEFAULT-VALUE})")
        int batch;
        @Option(names = "--json", paramLabel = "FILE", description = "also write the report as JSON")
        File json;


        @Override
        public Integer call() {
            InspectCommand.run(JobConfig.load(job.config, model.addTo(job.sets)), positive(spec, batch, "--batch"),
                    json, out);
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = {"Decode the data once into minibatch files (read back with data.format = exported).",
                    "Writes DIR/train and DIR/test (local, file:// or hdfs://); train from them with",
                    "data.format = exported, data.train.dir = DIR/train.",
                    "Run again, it writes what is missing; a directory holding another export is an error."})
    final class Export implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        JobOptions job = new JobOptions();
        @Option(names = "--out", paramLabel = "DIR", required = true, description = "where DIR/train and DIR/test go")
        String dir;
        @Option(names = "--batch", paramLabel = "N", defaultValue = "64",
                description = "examples per minibatch file (default ${DEFAULT-VALUE})")
        int batch;


        @Override
        public Integer call() {
            ExportCommand.run(TrainSpec.from(job.load()), dir, positive(spec, batch, "--batch"), job.master != null, out);
            return 0;
        }
    }

    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = {"Measurements written to bench/results: train, profile, decode.",
                    "  sparkcnn bench train    per-worker training and inference img/s and peak memory beside PyTorch's",
                    "                          (bench/peer/torch_bench.py with /usr/bin/python3 or $SPARKCNN_PYTHON),",
                    "                          Spark local 2 x 1 thread against 1 x 2, the averaging round's share",
                    "  sparkcnn bench profile  time per ND4J op of training steps (default densenet-bc-40)",
                    "  sparkcnn bench decode   the worker's image input path (JPEG decode, resize, crop, augmentation)",
                    "  sparkcnn bench scale    ImageNet's size: the driver listing 1.28 M names; DenseNet-121 streaming",
                    "                          an ImageNet-shaped folder and its export in a 2 GB heap",
                    "  sparkcnn bench rounds   an averaging round's broadcast and tree-reduce of DenseNet-121's state",
                    "                          on the cluster it is submitted to (spark-submit ... bench rounds)",
                    "  sparkcnn bench scaling  the scaling model fitted to bench/results/scaling-measured.json, projected",
                    "                          to DenseNet-121 on ImageNet for 8 to 256 workers",
                    "  sparkcnn bench engines  sparkcnn's averaging beside DL4J Spark's training master on the same jobs"})
    static final class Bench implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "bench needs what to measure: bench train | bench profile | bench decode");
        }
    }

    /** Options of the model benchmarks. */
    static final class ModelBenchOptions {
        @Option(names = "--only", paramLabel = "MODEL", split = ",", description = "measure only these models")
        List<String> models = new ArrayList<>();
        @Option(names = "--iterations", paramLabel = "N", defaultValue = "5", description = "timed steps per measurement")
        int iterations;
        @Option(names = "--warmup", paramLabel = "N", defaultValue = "2", description = "untimed steps first")
        int warmup;
        @Option(names = "--threads", paramLabel = "N", defaultValue = "2",
                description = "threads of the one-process measurement and of Spark workers")
        int threads;
        @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench/results", description = "results directory")
        File out;
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "per-worker img/s and memory of pattern, densenet-bc-40, densenet-bc-100, densenet-121 beside PyTorch")
    final class BenchTrain implements Callable<Integer> {
        @Mixin
        ModelBenchOptions options = new ModelBenchOptions();

        @Override
        public Integer call() {
            String python = System.getenv().getOrDefault("SPARKCNN_PYTHON", "/usr/bin/python3");
            new TrainBench(options.warmup, options.iterations, options.threads,
                    new File(python).canExecute() ? python : null, out).run(options.models, options.out);
            return 0;
        }
    }

    @Command(name = "profile", mixinStandardHelpOptions = true, description = "time per ND4J op of training steps")
    final class BenchProfile implements Callable<Integer> {
        @Mixin
        ModelBenchOptions options = new ModelBenchOptions();

        @Override
        public Integer call() {
            for (TrainBench.Model model : TrainBench.models(options.models.isEmpty() ? List.of("densenet-bc-40")
                    : options.models)) {
                OpProfile.run(model, options.warmup, options.iterations, options.threads, options.out, out);
            }
            return 0;
        }
    }

    @Command(name = "scale", mixinStandardHelpOptions = true,
            description = "ImageNet's size: listing 1.28 M names; DenseNet-121 streaming a folder and its export")
    final class BenchScale implements Callable<Integer> {
        @Option(names = "--names", paramLabel = "N", defaultValue = "1281167", description = "file names to list")
        int names;
        @Option(names = "--images", paramLabel = "N", defaultValue = "30000",
                description = "images of the ImageNet-shaped folder (hard links)")
        int images;
        @Option(names = "--heap-mb", paramLabel = "MB", defaultValue = "2048", description = "heap of the training JVMs")
        int heapMb;
        @Option(names = "--work", paramLabel = "DIR", defaultValue = "target/bench-scale",
                description = "where the folders, export and runs go (reused when there)")
        File work;
        @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench/results", description = "results directory")
        File dir;

        @Override
        public Integer call() {
            new sparkcnn.jobs.bench.ScaleBench(work.toPath(), out).run(names, images, heapMb, dir);
            return 0;
        }
    }

    @Command(name = "decode", mixinStandardHelpOptions = true, description = "the worker's image input path")
    final class BenchDecode implements Callable<Integer> {
        @Option(names = "--images", paramLabel = "N", defaultValue = "200", description = "images per pass")
        int images;
        @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench/results", description = "results directory")
        File dir;

        @Override
        public Integer call() {
            DecodeBench.run(images, 5, dir, out);
            return 0;
        }
    }

    @Command(name = "rounds", mixinStandardHelpOptions = true,
            description = "an averaging round's broadcast and tree-reduce of DenseNet-121's state on this cluster")
    final class BenchRounds implements Callable<Integer> {
        @Option(names = "--workers", paramLabel = "N", required = true, description = "tasks per round, one per executor")
        int workers;
        @Option(names = "--depth", paramLabel = "D", defaultValue = "2", description = "treeReduce depth")
        int depth;
        @Option(names = "--repeats", paramLabel = "N", defaultValue = "5", description = "timed rounds (medians)")
        int repeats;
        @Option(names = "--master", paramLabel = "URL", defaultValue = "local[2]",
                description = "where spark-submit set none")
        String master;
        @Option(names = "--out", paramLabel = "FILE", defaultValue = "bench/results/rounds.json", description = "result")
        File file;

        @Override
        public Integer call() {
            try (var sc = sparkcnn.driver.SparkContexts.start(master, "sparkcnn-bench-rounds", false)) {
                sparkcnn.jobs.bench.RoundCostBench.run(sc, workers, depth, repeats, file, out);
            }
            return 0;
        }
    }

    @Command(name = "scaling", mixinStandardHelpOptions = true,
            description = "the scaling model from measured cluster constants, projected to DenseNet-121 on ImageNet")
    final class BenchScaling implements Callable<Integer> {
        @Option(names = "--measured", paramLabel = "FILE", defaultValue = "bench/results/scaling-measured.json",
                description = "what ScalingMeasurement measured on a standalone cluster")
        File measured;
        @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "minibatch per worker")
        int batch;
        @Option(names = "--cpu-rate", paramLabel = "IMG/S", defaultValue = "4.3",
                description = "DenseNet-121 training img/s of a CPU worker (bench train, 2 threads)")
        double cpuRate;
        @Option(names = "--gpu-rate", paramLabel = "IMG/S", defaultValue = "1000",
                description = "DenseNet-121 training img/s of a GPU worker")
        double gpuRate;
        @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench/results", description = "results directory")
        File dir;

        @Override
        public Integer call() {
            sparkcnn.jobs.bench.ScalingReport.run(measured, batch, List.of(
                    new sparkcnn.jobs.bench.ScalingReport.WorkerKind("CPU", cpuRate,
                            "measured: `bench train` (bench/results/train.md), one 2-thread process on this machine, batch 16"),
                    new sparkcnn.jobs.bench.ScalingReport.WorkerKind("GPU", gpuRate,
                            "not measured, no GPU was lent: the decode goal of issue 13, about what one "
                                    + "data-centre GPU trains DenseNet-121 at in mixed precision")), dir, out);
            return 0;
        }
    }

    @Command(name = "engines", mixinStandardHelpOptions = true,
            description = "sparkcnn's averaging beside DL4J Spark's ParameterAveragingTrainingMaster on the same jobs")
    final class BenchEngines implements Callable<Integer> {
        @Option(names = "--epochs", paramLabel = "N", defaultValue = "2", description = "epochs per run")
        int epochs;
        @Option(names = "--heap-mb", paramLabel = "MB", defaultValue = "4096", description = "heap of each run's JVM")
        int heapMb;
        @Option(names = "--work", paramLabel = "DIR", defaultValue = "target/bench-engines", description = "run directories")
        File work;
        @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench/results", description = "results directory")
        File dir;

        @Override
        public Integer call() {
            new sparkcnn.jobs.bench.EnginesBench(work.toPath(), out).run(epochs, heapMb, dir);
            return 0;
        }
    }
}
