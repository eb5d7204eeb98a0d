package sparkcnn.jobs.train;

import static sparkcnn.jobs.config.ConfigValues.nonNegative;
import static sparkcnn.jobs.config.ConfigValues.number;
import static sparkcnn.jobs.config.ConfigValues.positive;
import static sparkcnn.jobs.config.ConfigValues.required;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import sparkcnn.driver.train.EngineKind;
import sparkcnn.driver.train.RunSettings;
import sparkcnn.jobs.config.ModelConfig;
import sparkcnn.jobs.data.DataSpec;
import sparkcnn.kernels.arch.ModelSpec;
import sparkcnn.kernels.backend.BackendChoice;
import sparkcnn.kernels.net.LayerOptions;
import sparkcnn.kernels.optim.LearningRateSchedule;
import sparkcnn.kernels.optim.Optimizer;
import sparkcnn.kernels.optim.WeightDecay;

/** A training job as typed values, read from a loaded {@link sparkcnn.jobs.config.JobConfig}. */
public record TrainSpec(String runDir, String master, String appName, DataSpec data,
                        ModelSpec model, LayerOptions layers, int epochs, int workers, int batchSizePerWorker,
                        int averagingFrequency, String workerThreads, long seed, Optimizer optimizer,
                        int evalBatchSize, int checkpointEveryRounds,
                        double targetAccuracy, int patience, boolean averageUpdater, int aggregationDepth,
                        int stepsPerEpoch,
                        BackendChoice backend, EngineKind engine, int allReduceTimeoutSeconds,
                        boolean allReduceOverlap) {

    public static TrainSpec from(Config c) {
        int workers = positive(c, "train.workers");
        int batch = positive(c, "train.batch-size-per-worker");
        int epochs = positive(c, "train.epochs");
        Optimizer optimizer = optimizer(c);
        return new TrainSpec(
                required(c, "run.dir"),
                c.getString("spark.master"),
                c.getString("spark.app-name"),
                DataSpec.from(c),
                ModelConfig.read(c),
                ModelConfig.layers(c),
                epochs,
                workers,
                batch,
                positive(c, "train.averaging-frequency"),
                c.getString("train.worker-threads"),
                c.getLong("train.seed"),
                optimizer,
                positive(c, "train.eval-batch-size"),
                nonNegative(c, "train.checkpoint-every-rounds"),
                number(c, "train.stop.target-accuracy", 0, 1),
                nonNegative(c, "train.stop.patience"),
                c.getBoolean("train.average-updater"),
                aggregationDepth(c, workers),
                nonNegative(c, "train.steps-per-epoch"),
                backend(c), engine(c), allReduceTimeout(c), c.getBoolean("train.allreduce.overlap"));
    }

    /**
     * {@code train.engine} ({@link EngineKind}); an engine that fits whole epochs in one call (DL4J
     * Spark's training master) cannot stop within one.
     */
    static EngineKind engine(Config c) {
        EngineKind engine;
        try {
            engine = EngineKind.named(c.getString("train.engine"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue("train.engine", e.getMessage());
        }
        if (engine.wholeEpochs() && c.getInt("train.steps-per-epoch") > 0) {
            throw new ConfigException.BadValue("train.steps-per-epoch", "must be 0 with train.engine = " + engine
                    + ": it fits a whole epoch in one call and cannot stop within it");
        }
        return engine;
    }

    /** {@code train.allreduce.timeout}: how long a ring worker waits for its peers, and the driver for a round. */
    static int allReduceTimeout(Config c) {
        long seconds = c.getDuration("train.allreduce.timeout", java.util.concurrent.TimeUnit.SECONDS);
        if (seconds < 1 || seconds > Integer.MAX_VALUE) {
            throw new ConfigException.BadValue("train.allreduce.timeout", "must be at least 1 second, got "
                    + c.getValue("train.allreduce.timeout").unwrapped());
        }
        return (int) seconds;
    }

    private static BackendChoice backend(Config c) {
        try {
            return BackendChoice.parse(c.getString("backend"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue("backend", e.getMessage());
        }
    }

    /**
     * The treeReduce depth: as configured, or from the worker count, so that each level combines at
     * most about 16 results and the driver receives a handful of partial sums.
     */
    static int aggregationDepth(Config c, int workers) {
        if (c.getValue("train.aggregation-depth").unwrapped().equals("auto")) {
            return workers <= 16 ? 2 : workers <= 256 ? 3 : 4;
        }
        return positive(c, "train.aggregation-depth");
    }

    /** The run's {@link Optimizer}: update rule, weight decay, and the rate's scaling and schedule. */
    public static Optimizer optimizer(Config c) {
        int totalBatch = positive(c, "train.workers") * positive(c, "train.batch-size-per-worker");
        int epochs = positive(c, "train.epochs");
        double rate = Optimizer.scaled(number(c, "train.optimizer.learning-rate", Double.MIN_VALUE, Double.MAX_VALUE),
                totalBatch, nonNegative(c, "train.optimizer.reference-batch"));
        LearningRateSchedule schedule = schedule(c, rate, epochs);
        String updater = c.getString("train.optimizer.updater");
        double momentum = number(c, "train.optimizer.momentum", 0, 1);
        if (momentum == 1) {
            throw new ConfigException.BadValue("train.optimizer.momentum", "must be below 1, got 1");
        }
        if (!Optimizer.UPDATERS.contains(updater.toLowerCase(java.util.Locale.ROOT))) {
            throw new ConfigException.BadValue("train.optimizer.updater", "is '" + updater + "'; use one of "
                    + String.join(", ", Optimizer.UPDATERS));
        }
        WeightDecay kind;
        try {
            kind = WeightDecay.parse(c.getString("train.optimizer.weight-decay-kind"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue("train.optimizer.weight-decay-kind", e.getMessage());
        }
        try {
            return new Optimizer(updater, momentum, number(c, "train.optimizer.weight-decay", 0, 1), kind, schedule);
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue("train.optimizer.momentum", e.getMessage());
        }
    }

    private static LearningRateSchedule schedule(Config c, double rate, int epochs) {
        try {
            return new LearningRateSchedule(c.getString("train.schedule.type"), rate, epochs,
                    number(c, "train.schedule.warmup-epochs", 0, epochs), c.getDoubleList("train.schedule.steps"),
                    number(c, "train.schedule.factor", 0, Double.MAX_VALUE));
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue("train.schedule", e.getMessage());
        }
    }

    /** The learning rate's schedule, the optimizer's. */
    public LearningRateSchedule schedule() {
        return optimizer.schedule();
    }

    /** What the training run needs of this job, with {@code threads} OpenMP threads per worker. */
    public RunSettings runSettings(int threads) {
        return new RunSettings(epochs, workers, batchSizePerWorker, averagingFrequency, threads, seed,
                model.classes(), model.input(), optimizer.schedule(), checkpointEveryRounds, targetAccuracy, patience,
                averageUpdater, aggregationDepth, stepsPerEpoch, evalBatchSize, data.augmentation(), data.normalize(),
                engine, allReduceTimeoutSeconds, allReduceOverlap);
    }

    /** Threads per worker: a number, or auto = the cores Spark gives each task (spark.task.cpus). */
    public int resolveWorkerThreads(int taskCpus) {
        if (workerThreads.equals("auto")) {
            return taskCpus;
        }
        try {
            int n = Integer.parseInt(workerThreads);
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new ConfigException.BadValue("train.worker-threads", "expected auto or a number >= 1, got '" + workerThreads + "'");
    }
}
