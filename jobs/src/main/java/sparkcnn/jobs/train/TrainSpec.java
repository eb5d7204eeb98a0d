package sparkcnn.jobs.train;

import static sparkcnn.jobs.config.ConfigValues.positive;
import static sparkcnn.jobs.config.ConfigValues.required;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import sparkcnn.jobs.config.ModelConfig;
import sparkcnn.kernels.arch.ModelSpec;
import sparkcnn.kernels.net.Optimizer;

/** A training job as typed values, read from a loaded {@link sparkcnn.jobs.config.JobConfig}. */
public record TrainSpec(String runDir, String master, String appName, IdxPaths train, IdxPaths test,
                        ModelSpec model, int epochs, int workers, int batchSizePerWorker,
                        int averagingFrequency, String workerThreads, long seed, Optimizer optimizer,
                        int evalBatchSize) {

    /** The image and label files of one idx data set, with the config keys they came from. */
    public record IdxPaths(String key, String images, String labels, int limit) {
    }

    public static TrainSpec from(Config c) {
        String format = c.getString("data.format");
        if (!format.equals("idx")) {
            throw new ConfigException.BadValue("data.format", "unknown data format '" + format + "' (expected idx)");
        }
        return new TrainSpec(
                required(c, "run.dir"),
                c.getString("spark.master"),
                c.getString("spark.app-name"),
                idx(c, "data.train"),
                idx(c, "data.test"),
                ModelConfig.read(c),
                positive(c, "train.epochs"),
                positive(c, "train.workers"),
                positive(c, "train.batch-size-per-worker"),
                positive(c, "train.averaging-frequency"),
                c.getString("train.worker-threads"),
                c.getLong("train.seed"),
                optimizer(c),
                positive(c, "train.eval-batch-size"));
    }

    private static Optimizer optimizer(Config c) {
        try {
            return new Optimizer(c.getString("train.optimizer.updater"), c.getDouble("train.optimizer.learning-rate"),
                    c.getDouble("train.optimizer.momentum"), c.getDouble("train.optimizer.weight-decay"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue("train.optimizer", e.getMessage());
        }
    }

    private static IdxPaths idx(Config c, String prefix) {
        int limit = c.getInt(prefix + ".limit");
        if (limit < 0) {
            throw new ConfigException.BadValue(prefix + ".limit", "must be >= 0 (0 = all), got " + limit);
        }
        return new IdxPaths(prefix, required(c, prefix + ".images"), required(c, prefix + ".labels"), limit);
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
