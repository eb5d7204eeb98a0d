package sparkcnn.jobs.predict;

import sparkcnn.driver.run.Normalization;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import sparkcnn.driver.SparkContexts;
import sparkcnn.driver.data.DataException;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.driver.predict.Predictions;
import sparkcnn.driver.run.RunLayout;
import sparkcnn.jobs.model.TrainedModel;
import sparkcnn.jobs.data.DataContext;
import sparkcnn.jobs.data.PredictInput;
import sparkcnn.jobs.data.PredictSource;
import sparkcnn.jobs.train.TrainSpec;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.data.Preprocessing;
import sparkcnn.kernels.train.ModelState;

/**
 * {@code predict}: a trained model's predictions for every image or example under a path, scored
 * on the executors and written with Spark's DataFrame writer (Parquet, CSV or JSON), one row each.
 * The run's class names, normalisation and stored image size apply as in its evaluation.
 */
public final class PredictJob {
    public static final List<String> FORMATS = List.of("parquet", "csv", "json");

    /** What to score and where the rows go. */
    public record Request(String input, String labels, String out, String format, int topK, boolean overwrite) {
        public Request {
            if (!FORMATS.contains(format)) {
                throw new IllegalArgumentException("--format must be one of " + FORMATS + ", got " + format);
            }
            if (topK < 1) {
                throw new IllegalArgumentException("--top must be >= 1, got " + topK);
            }
        }
    }

    /** Rows written and, of them, images that did not decode. */
    public record Outcome(long rows, long failed) {
    }

    private PredictJob() {
    }

    public static Outcome run(TrainSpec spec, String model, Request request, boolean masterExplicit, PrintStream out) {
        try (JavaSparkContext sc = SparkContexts.start(spec.master(), spec.appName() + " predict", masterExplicit,
                false, spec.backend())) {
            sc.setJobGroup("predict", "sparkcnn predict " + model, false);
            var hadoop = new HadoopConf(sc.hadoopConfiguration());
            refuseExisting(request, hadoop);
            int threads = spec.resolveWorkerThreads(SparkContexts.taskCpus(sc));
            NativeBackend.init(threads);
            var trained = TrainedModel.open(model, spec.model(), sc.hadoopConfiguration());
            List<String> classes = classNames(trained, spec.model().classes());
            var state = sc.broadcast(ModelState.of(trained.graph()));
            try {
                PredictSource source = spec.data().predictSource(sc, new PredictInput(request.input(), request.labels()),
                        spec.workers(), spec.model().input());
                out.printf(Locale.ROOT, "predict: %,d %s from %s with %s%n", source.count(), source.what(),
                        request.input(), model);
                var settings = new Predictions.Model(state, spec.model().input(), scaling(trained, source, spec),
                        classes, request.topK(), spec.evalBatchSize(), threads);
                return predict(sc, source, settings, request, spec.workers(), out);
            } finally {
                state.destroy();
            }
        }
    }

    /** Scores {@code source}'s rows on the executors and writes them, with a progress line. */
    private static Outcome predict(JavaSparkContext sc, PredictSource source, Predictions.Model settings,
                                   Request request, int workers, PrintStream out) {
        var counters = Predictions.Counters.of(sc);
        JavaRDD<Row> rows = source.rows(sc, settings, counters, workers, new HadoopConf(sc.hadoopConfiguration()));
        try (var progress = new PredictProgress(counters, source.count(), out)) {
            write(sc, rows, request);
        }
        var outcome = new Outcome(counters.scored().value() + counters.failed().value(), counters.failed().value());
        out.printf(Locale.ROOT, "predict: %,d rows in %s (%s)%s%n", outcome.rows(), request.out(), request.format(),
                outcome.failed() == 0 ? "" : String.format(Locale.ROOT,
                        ", %,d images that do not decode (rows with an error)", outcome.failed()));
        return outcome;
    }

    /** The run's class names, one per output, or "0".."n-1" where it recorded none. */
    private static List<String> classNames(TrainedModel trained, int outputs) {
        List<String> classes = trained.run().classes().orElse(DataContext.numbered(outputs));
        if (classes.size() != outputs) {
            throw new DataException(trained.run().uri(RunLayout.CLASSES) + " names " + classes.size()
                    + " classes, the model has " + outputs + " outputs");
        }
        return classes;
    }

    /** The run's input scaling for evaluation, with the centre of larger stored examples cropped. */
    private static Preprocessing scaling(TrainedModel trained, PredictSource source, TrainSpec spec) {
        Volume input = spec.model().input();
        return Normalization.scaling(trained.run().normalization(), input.depth()).forEvaluation()
                .withCrop(source.stored(), input);
    }

    /** As Spark's writers do, an existing output is an error unless asked to replace it; checked before any work. */
    private static void refuseExisting(Request request, HadoopConf hadoop) {
        try {
            Path out = new Path(request.out());
            if (!request.overwrite() && out.getFileSystem(hadoop.get()).exists(out)) {
                throw new DataException("--out " + request.out() + " exists; --overwrite replaces it");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(JavaSparkContext sc, JavaRDD<Row> rows, Request request) {
        SparkSession spark = SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
        Dataset<Row> frame = spark.createDataFrame(rows, Predictions.SCHEMA);
        if (request.format().equals("csv")) { // CSV has no arrays: "a|b|c"
            frame = frame.withColumn("top_classes", functions.concat_ws("|", new Column("top_classes")))
                    .withColumn("top_probabilities", functions.concat_ws("|",
                            new Column("top_probabilities").cast("array<string>")));
        }
        var writer = frame.write().mode(request.overwrite() ? SaveMode.Overwrite : SaveMode.ErrorIfExists)
                .format(request.format());
        if (request.format().equals("csv")) {
            writer = writer.option("header", "true");
        }
        writer.save(request.out());
    }
}
