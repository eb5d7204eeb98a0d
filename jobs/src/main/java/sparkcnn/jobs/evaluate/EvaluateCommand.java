package sparkcnn.jobs.evaluate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import sparkcnn.driver.SparkContexts;
import sparkcnn.driver.data.EpochData;
import sparkcnn.driver.eval.DistributedEvaluation;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.jobs.train.TrainJob;
import sparkcnn.jobs.train.TrainSpec;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.data.Preprocessing;
import sparkcnn.kernels.eval.EvalCounts;
import sparkcnn.kernels.train.ModelState;

/**
 * {@code evaluate}: a saved model (a run's model.zip) on the test set a job config names, scored
 * on the executors where the data lives: accuracy, top-5, loss, per-class accuracy, confusion matrix.
 */
public final class EvaluateCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EvaluateCommand() {
    }

    /** @param model a model.zip, local or on any Hadoop FS; normalization.json is read from beside it */
    public static EvalCounts run(TrainSpec spec, String model, boolean masterExplicit, File json, PrintStream out) {
        Path modelPath = new Path(model);
        try (JavaSparkContext sc = SparkContexts.start(spec.master(), spec.appName() + " evaluate", masterExplicit,
                false, spec.backend())) {
            sc.setJobGroup("evaluate", "sparkcnn evaluate " + model, false);
            int threads = spec.resolveWorkerThreads(SparkContexts.taskCpus(sc));
            NativeBackend.init(threads);
            SparkContexts.verifyBackend(sc, spec.backend(), spec.workers()).forEach(b -> out.println("backend: " + b));
            ModelState state = load(modelPath, sc.hadoopConfiguration());
            Volume input = spec.model().input();
            int classes = spec.model().classes();
            EpochData test = spec.data().open(sc, new HadoopConf(sc.hadoopConfiguration()), spec.workers(), input,
                    classes, spec.seed()).test();
            Preprocessing pre = preprocessing(spec, modelPath.getParent(), sc.hadoopConfiguration(), input.depth());
            EvalCounts counts;
            try (EpochData.Epoch epoch = test.open(0)) {
                counts = DistributedEvaluation.evaluate(sc, state, epoch.blocks(), spec.evalBatchSize(), classes,
                        threads, pre);
            }
            print(counts, test.classes(), model, out);
            if (json != null) {
                write(json, counts, test.classes(), model);
            }
            return counts;
        }
    }

    private static ModelState load(Path model, Configuration conf) {
        try (var in = model.getFileSystem(conf).open(model)) {
            ComputationGraph graph = ModelSerializer.restoreComputationGraph(in, false);
            return ModelState.of(graph);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the model " + model + ": " + e.getMessage(), e);
        }
    }

    /** The run's own input scaling: per-channel statistics of its training set where it normalised. */
    private static Preprocessing preprocessing(TrainSpec spec, Path runDir, Configuration conf, int channels) {
        if (!spec.data().normalize()) {
            return Preprocessing.scaleOnly(channels);
        }
        Path stats = new Path(runDir, TrainJob.NORMALIZATION_FILE);
        try (var in = FileSystem.get(stats.toUri(), conf).open(stats)) {
            JsonNode n = JSON.readTree(in);
            return new Preprocessing(spec.data().augmentation(), floats(n.get("mean")), floats(n.get("std")))
                    .forEvaluation();
        } catch (IOException e) {
            throw new IllegalArgumentException("data.normalize = true, but the model's run has no readable "
                    + stats + " (" + e.getMessage() + ")", e);
        }
    }

    private static float[] floats(JsonNode array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) array.get(i).asDouble();
        }
        return values;
    }

    static void print(EvalCounts c, List<String> classes, String model, PrintStream out) {
        out.printf("%s on %,d test examples: accuracy %.4f  top-5 %.4f  loss %.4f%n", model, c.count(), c.accuracy(),
                c.top5Accuracy(), c.meanLoss());
        double[] perClass = TrainJob.perClassAccuracy(c);
        int width = Math.max(5, classes.stream().mapToInt(String::length).max().orElse(5));
        out.printf("%-" + width + "s  accuracy  confusion (row: true class, column: predicted)%n", "class");
        for (int i = 0; i < classes.size(); i++) {
            StringBuilder row = new StringBuilder();
            for (long n : c.confusion()[i]) {
                row.append(String.format(" %6d", n));
            }
            out.printf("%-" + width + "s  %8.4f %s%n", classes.get(i), perClass[i], row);
        }
    }

    private static void write(File json, EvalCounts c, List<String> classes, String model) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("examples", c.count());
        m.put("accuracy", c.accuracy());
        m.put("top5_accuracy", c.top5Accuracy());
        m.put("loss", c.meanLoss());
        m.put("classes", classes);
        m.put("per_class_accuracy", TrainJob.perClassAccuracy(c));
        m.put("confusion", c.confusion());
        try {
            Files.writeString(json.toPath(), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + json, e);
        }
    }
}
