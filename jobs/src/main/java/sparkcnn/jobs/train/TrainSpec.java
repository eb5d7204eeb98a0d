package sparkcnn.jobs.train;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import sparkcnn.kernels.arch.PatternNet;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.net.Optimizer;

/** A training job as typed values, read from a loaded {@link sparkcnn.jobs.config.JobConfig}. */
public record TrainSpec(String runDir, String master, String appName, IdxPaths train, IdxPaths test,
                        PatternNet model, int epochs, int workers, int batchSizePerWorker,
                        int averagingFrequency, String workerThreads, long seed, Optimizer optimizer,
                        int evalBatchSize) {

    /** The image and label files of one idx data set, with the config keys they came from. */
    public record IdxPaths(String key, String images, String labels, int limit) {
    }

    private static final Set<String> STAGE_KEYS = Set.of("convs", "filters", "size", "pool");

    public static TrainSpec from(Config c) {
        String format = c.getString("data.format");
        if (!format.equals("idx")) {
            throw new ConfigException.BadValue("data.format", "unknown data format '" + format + "' (expected idx)");
        }
        String type = c.getString("model.type");
        if (!type.equals("pattern")) {
            throw new ConfigException.BadValue("model.type", "unknown model type '" + type + "' (expected pattern)");
        }
        return new TrainSpec(
                required(c, "run.dir"),
                c.getString("spark.master"),
                c.getString("spark.app-name"),
                idx(c, "data.train"),
                idx(c, "data.test"),
                patternNet(c),
                positive(c, "train.epochs"),
                positive(c, "train.workers"),
                positive(c, "train.batch-size-per-worker"),
                positive(c, "train.averaging-frequency"),
                c.getString("train.worker-threads"),
                c.getLong("train.seed"),
                optimizer(c),
                positive(c, "train.eval-batch-size"));
    }

    private static PatternNet patternNet(Config c) {
        Volume input;
        try {
            input = Volume.parse(c.getString("model.input"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue("model.input", e.getMessage());
        }
        List<PatternNet.Stage> stages = new ArrayList<>();
        List<? extends Config> stageConfigs = c.getConfigList("model.stages");
        for (int i = 0; i < stageConfigs.size(); i++) {
            Config s = stageConfigs.get(i);
            String where = "model.stages[" + i + "]";
            for (String key : s.root().keySet()) {
                if (!STAGE_KEYS.contains(key)) {
                    throw new ConfigException.BadValue(where + "." + key, "unknown stage key; a stage has " + STAGE_KEYS);
                }
            }
            stages.add(new PatternNet.Stage(positive(s, "convs", where), positive(s, "filters", where),
                    positive(s, "size", where), s.getBoolean("pool")));
        }
        return new PatternNet(input, stages, c.getIntList("model.hidden"), positive(c, "model.classes"));
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

    private static String required(Config c, String key) {
        String value = c.getString(key);
        if (value.isBlank()) {
            throw new ConfigException.BadValue(key, "must be set");
        }
        return value;
    }

    private static int positive(Config c, String key) {
        return positive(c, key, null);
    }

    private static int positive(Config c, String key, String where) {
        int value = c.getInt(key);
        if (value < 1) {
            throw new ConfigException.BadValue(where == null ? key : where + "." + key, "must be >= 1, got " + value);
        }
        return value;
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
