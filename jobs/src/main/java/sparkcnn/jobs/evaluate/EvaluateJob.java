package sparkcnn.jobs.evaluate;

import sparkcnn.jobs.model.TrainedModel;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import sparkcnn.driver.SparkContexts;
import sparkcnn.driver.data.EpochData;
import sparkcnn.driver.eval.DistributedEvaluation;
import java.util.Locale;
import sparkcnn.driver.data.DataException;
import sparkcnn.driver.train.EpochResult;
import sparkcnn.driver.run.RunLayout;
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
public final class EvaluateJob {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EvaluateJob() {
    }

    /**
     * @param model a model.zip, local or on any Hadoop FS; the run directory beside it supplies the
     *              class names (classes.txt) and normalisation statistics (normalization.json)
     */
    public static EvalCounts run(TrainSpec spec, String model, boolean masterExplicit, File json, PrintStream out) {
        try (JavaSparkContext sc = SparkContexts.start(spec.master(), spec.appName() + " evaluate", masterExplicit,
                false, spec.backend())) {
            sc.setJobGroup("evaluate", "sparkcnn evaluate " + model, false);
            int threads = spec.resolveWorkerThreads(SparkContexts.taskCpus(sc));
            NativeBackend.init(threads);
            SparkContexts.verifyBackend(sc, spec.backend(), spec.workers()).forEach(b -> out.println("backend: " + b));
            var trained = TrainedModel.open(model, spec.model(), sc.hadoopConfiguration());
            EpochData test = spec.data().open(sc, spec.workers(), spec.model().input(), spec.model().classes(),
                    spec.seed()).test();
            List<String> names = classNames(trained.run(), test.classes(), model);
            EvalCounts counts = score(sc, spec, trained, test, threads, out);
            print(counts, names, model, out);
            if (json != null) {
                write(json, counts, names, model);
            }
            return counts;
        }
    }

    /** The test set scored on the executors, with the run's own input scaling; files that do not decode named. */
    private static EvalCounts score(JavaSparkContext sc, TrainSpec spec, TrainedModel trained, EpochData test,
                                    int threads, PrintStream out) {
        Volume input = spec.model().input();
        int classes = spec.model().classes();
        Preprocessing pre = preprocessing(spec, trained.run(), input.depth()).withCrop(test.shape(), input);
        try (EpochData.Epoch epoch = test.open(0)) {
            if (epoch.maxLabel() >= classes) {
                throw new DataException("the test set has label " + epoch.maxLabel() + ", but the model has "
                        + classes + " classes");
            }
            var scored = DistributedEvaluation.score(sc, ModelState.of(trained.graph()), epoch.shards(),
                    spec.evalBatchSize(), classes, threads, pre);
            List<String> rejected = new java.util.ArrayList<>(epoch.rejected());
            rejected.addAll(scored.rejected());
            if (scored.counts().count() == 0) {
                throw DataException.noExamples("test", rejected);
            }
            if (!rejected.isEmpty()) {
                out.printf(Locale.ROOT, "skipped %d test files that do not decode, e.g. %s%n", rejected.size(),
                        rejected.get(0));
            }
            return scored.counts();
        }
    }

    /** The run's own class names where it recorded them; they must be the test set's. */
    private static List<String> classNames(RunLayout run, List<String> testClasses, String model) {
        return run.classes().map(names -> {
            if (names.size() != testClasses.size()) {
                throw new DataException(model + " was trained on " + names.size() + " classes (" + run.uri(
                        RunLayout.CLASSES) + "), the test set has " + testClasses.size());
            }
            return names;
        }).orElse(testClasses);
    }

    /** The run's own input scaling: per-channel statistics of its training set where it normalised. */
    private static Preprocessing preprocessing(TrainSpec spec, RunLayout run, int channels) {
        Preprocessing scale = Preprocessing.scaleOnly(channels);
        if (!spec.data().normalize()) {
            return scale;
        }
        return run.normalization().map(n -> n.preprocessing(scale.augmentation()).forEvaluation()).orElseThrow(() ->
                new IllegalArgumentException("data.normalize = true, but the model's run has no "
                        + run.uri(RunLayout.NORMALIZATION)));
    }

    static void print(EvalCounts c, List<String> classes, String model, PrintStream out) {
        out.printf(Locale.ROOT, "%s on %,d test examples: accuracy %.4f  top-5 %.4f  loss %.4f%n", model, c.count(), c.accuracy(),
                c.top5Accuracy(), c.meanLoss());
        double[] perClass = EpochResult.perClassAccuracy(c);
        int width = Math.max(5, classes.stream().mapToInt(String::length).max().orElse(5));
        out.printf("%-" + width + "s  accuracy  confusion (row: true class, column: predicted)%n", "class");
        for (int i = 0; i < classes.size(); i++) {
            StringBuilder row = new StringBuilder();
            for (long n : c.confusion()[i]) {
                row.append(String.format(Locale.ROOT, " %6d", n));
            }
            out.printf(Locale.ROOT, "%-" + width + "s  %8.4f %s%n", classes.get(i), perClass[i], row);
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
        m.put("per_class_accuracy", EpochResult.perClassAccuracy(c));
        m.put("confusion", c.confusion());
        try {
            Files.writeString(json.toPath(), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + json, e);
        }
    }
}
