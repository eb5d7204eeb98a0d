package sparkcnn.jobs.predict;

import sparkcnn.driver.run.Normalization;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.deeplearning4j.nn.graph.ComputationGraph;
import sparkcnn.driver.SparkContexts;
import sparkcnn.driver.data.CachedShard;
import sparkcnn.driver.data.CifarSource;
import sparkcnn.driver.data.DataException;
import sparkcnn.driver.data.IdxDataSource;
import sparkcnn.driver.data.ImageFolderSource;
import sparkcnn.driver.data.MinibatchExport;
import sparkcnn.driver.data.Shard;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.driver.predict.Predictions;
import sparkcnn.driver.run.RunLayout;
import sparkcnn.jobs.evaluate.EvaluateJob;
import sparkcnn.jobs.train.DataSpec;
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
            Path modelPath = new Path(model);
            ComputationGraph graph = EvaluateJob.load(modelPath, sc.hadoopConfiguration());
            Volume input = spec.model().input();
            int outputs = spec.model().classes();
            EvaluateJob.requireMatches(graph, input, outputs, model);
            RunLayout run = RunLayout.of(modelPath.getParent().toString(), sc.hadoopConfiguration());
            List<String> classes = run.classes().orElse(DataSpec.numbered(outputs));
            if (classes.size() != outputs) {
                throw new DataException(run.uri(RunLayout.CLASSES) + " names " + classes.size() + " classes, the model has "
                        + outputs + " outputs");
            }
            Preprocessing scaling = Normalization.scaling(run.normalization(), input.depth());
            var counters = Predictions.Counters.of(sc);
            var state = sc.broadcast(ModelState.of(graph));
            try {
                var source = Source.open(sc, spec, request, input, hadoop);
                out.printf(Locale.ROOT, "predict: %,d %s from %s with %s%n", source.count(), source.what(),
                        request.input(), model);
                var settings = new Predictions.Model(state, input, scaling.forEvaluation().withCrop(source.stored(), input),
                        classes, request.topK(), spec.evalBatchSize(), threads);
                JavaRDD<Row> rows = source.rows(sc, settings, counters, spec.workers(), hadoop);
                try (var progress = new PredictProgress(counters, source.count(), out)) {
                    write(sc, rows, request);
                }
                var outcome = new Outcome(counters.scored().value() + counters.failed().value(), counters.failed().value());
                out.printf(Locale.ROOT, "predict: %,d rows in %s (%s)%s%n", outcome.rows(), request.out(),
                        request.format(), outcome.failed() == 0 ? ""
                                : String.format(Locale.ROOT, ", %,d images that do not decode (rows with an error)",
                                outcome.failed()));
                return outcome;
            } finally {
                state.destroy();
            }
        }
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

    /** What --input holds: image files, an export, an idx image file, or CIFAR binaries. */
    interface Source {
        long count();

        String what();

        /** The examples as stored: the model's input, or larger (its centre is scored). */
        Volume stored();

        JavaRDD<Row> rows(JavaSparkContext sc, Predictions.Model model, Predictions.Counters counters, int workers,
                          HadoopConf hadoop);

        static Source open(JavaSparkContext sc, TrainSpec spec, Request request, Volume input, HadoopConf hadoop) {
            Path path = new Path(request.input());
            try {
                FileSystem fs = path.getFileSystem(hadoop.get());
                if (!fs.exists(path)) {
                    throw new DataException("--input " + request.input() + " does not exist");
                }
                if (fs.getFileStatus(path).isDirectory()) {
                    return fs.exists(new Path(path, "export.txt")) ? exported(request.input(), hadoop)
                            : images(fs, path, spec, input);
                }
                // CIFAR's binaries are named *.bin; anything else must be an idx image file (its header is checked)
                return path.getName().endsWith(".bin") ? cifar(request.input(), spec.data().cifar100(), hadoop)
                        : idx(request, hadoop);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read --input " + request.input(), e);
            }
        }

        private static Source images(FileSystem fs, Path root, TrainSpec spec, Volume input) throws IOException {
            List<Predictions.ImageRef> images = new ArrayList<>();
            RemoteIterator<LocatedFileStatus> files = fs.listFiles(root, true);
            while (files.hasNext()) {
                LocatedFileStatus file = files.next();
                if (ImageFolderSource.isImage(file.getPath().getName())) {
                    images.add(new Predictions.ImageRef(0, file.getPath().toString()));
                }
            }
            if (images.isEmpty()) {
                throw new DataException("--input " + root + " holds no .jpg, .jpeg or .png files");
            }
            images.sort(java.util.Comparator.comparing(Predictions.ImageRef::path));
            List<Predictions.ImageRef> numbered = new ArrayList<>(images.size());
            for (int i = 0; i < images.size(); i++) {
                numbered.add(new Predictions.ImageRef(i, images.get(i).path()));
            }
            int decodeSize = spec.data().decodeSize();
            Volume stored = decodeSize > 0 ? new Volume(decodeSize, decodeSize, input.depth()) : input;
            return new Source() {
                public long count() {
                    return numbered.size();
                }

                public String what() {
                    return "images";
                }

                public Volume stored() {
                    return stored;
                }

                public JavaRDD<Row> rows(JavaSparkContext sc, Predictions.Model model, Predictions.Counters counters,
                                         int workers, HadoopConf hadoop) {
                    int partitions = Math.max(workers, (int) Math.min(10_000, numbered.size() / 1_000));
                    return Predictions.ofImages(sc, numbered, partitions, stored, model, counters, hadoop);
                }
            };
        }

        private static Source exported(String dir, HadoopConf hadoop) {
            var listing = MinibatchExport.listing(dir, hadoop);
            return shards(listing.total(), "exported examples", listing.shape(), true,
                    (sc, workers) -> MinibatchExport.read(sc, dir, workers, hadoop));
        }

        private static Source idx(Request request, HadoopConf hadoop) {
            var source = new IdxDataSource(request.input(), request.labels(), hadoop);
            return shards(source.count(), "idx images", source.shape(), request.labels() != null, source::blocks);
        }

        private static Source cifar(String file, boolean cifar100, HadoopConf hadoop) {
            var source = new CifarSource(List.of(file), cifar100, hadoop);
            return shards(source.count(), "CIFAR images", CifarSource.SHAPE, true, source::blocks);
        }

        private static Source shards(long count, String what, Volume stored, boolean labelled,
                                     java.util.function.BiFunction<JavaSparkContext, Integer,
                                             JavaRDD<sparkcnn.kernels.data.ExampleBlock>> blocks) {
            return new Source() {
                public long count() {
                    return count;
                }

                public String what() {
                    return what;
                }

                public Volume stored() {
                    return stored;
                }

                public JavaRDD<Row> rows(JavaSparkContext sc, Predictions.Model model, Predictions.Counters counters,
                                         int workers, HadoopConf hadoop) {
                    JavaRDD<Shard> shards = blocks.apply(sc, workers).map(b -> (Shard) new CachedShard(b));
                    return Predictions.ofShards(shards, labelled, model, counters);
                }
            };
        }
    }
}
