package sparkcnn.jobs.train;

import static sparkcnn.jobs.config.ConfigValues.positive;
import static sparkcnn.jobs.config.ConfigValues.required;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import sparkcnn.jobs.config.ModelConfig;
import sparkcnn.kernels.arch.ModelSpec;
import sparkcnn.kernels.net.Optimizer;

/** A training job as typed values, read from a loaded {@link sparkcnn.jobs.config.JobConfig}. */
public record TrainSpec(String runDir, String master, String appName, DataSpec data,
                        ModelSpec model, int epochs, int workers, int batchSizePerWorker,
                        int averagingFrequency, String workerThreads, long seed, Optimizer optimizer,
                        int evalBatchSize) {

    public static TrainSpec from(Config c) {
        return new TrainSpec(
                required(c, "run.dir"),
                c.getString("spark.master"),
                c.getString("spark.app-name"),
                DataSpec.from(c),
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
