package sparkcnn.ml;

import sparkcnn.driver.run.Normalization;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.GeneralMLWriter;
import sparkcnn.jobs.export.OnnxModelExport;
import sparkcnn.kernels.data.Augmentation;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import scala.Option;
import sparkcnn.driver.TaskGpu;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.driver.run.RunLayout;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.data.Preprocessing;
import sparkcnn.kernels.eval.Scorer;
import sparkcnn.kernels.train.ModelState;

/**
 * A trained network as a Spark ML {@link Model}: {@code transform} adds the predicted class index
 * ({@code prediction}, a double as Spark ML's classifiers give it), the class probabilities
 * ({@code probability}, a vector) and the top K class names to every row, scoring on the executors.
 * A row whose image cannot be decoded gets nulls. Saved and loaded with Spark ML's writers; the
 * network inside is a sparkcnn model.zip.
 */
public class ImageClassificationModel extends Model<ImageClassificationModel> implements MLWritable {
    private final String uid;
    private final byte[] modelZip;
    private final List<String> classes;
    private final Volume input;
    private final float[] mean;
    private final float[] std;

    private final Param<String> imageCol;
    private final Param<String> pathCol;
    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;
    private final Param<String> topClassesCol;
    private final IntParam topK;
    private final IntParam batchSize;

    ImageClassificationModel(String uid, byte[] modelZip, List<String> classes, Volume input, float[] mean, float[] std) {
        this.uid = uid;
        this.modelZip = modelZip;
        // params after the uid: a Param records its parent's uid when it is made
        var shared = new SharedParams(this, this::setDefault);
        this.imageCol = shared.imageCol;
        this.pathCol = shared.pathCol;
        this.predictionCol = shared.predictionCol;
        this.probabilityCol = shared.probabilityCol;
        this.topClassesCol = shared.topClassesCol;
        this.topK = shared.topK;
        this.batchSize = shared.batchSize;
        this.classes = List.copyOf(classes);
        this.input = input;
        this.mean = mean;
        this.std = std;
    }

    /** The model a training run saved, with its normalisation. */
    static ImageClassificationModel fromRun(String uid, String runDir, Volume input, List<String> classes,
                                            JavaSparkContext sc) {
        RunLayout run = RunLayout.of(runDir, sc.hadoopConfiguration());
        Preprocessing scaling = Normalization.scaling(run.normalization(), input.depth());
        return new ImageClassificationModel(uid, read(new Path(run.uri(RunLayout.MODEL)), sc.sc()), classes, input,
                scaling.mean(), scaling.std());
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> imageCol() { return imageCol; }
    public Param<String> pathCol() { return pathCol; }
    public Param<String> predictionCol() { return predictionCol; }
    public Param<String> probabilityCol() { return probabilityCol; }
    public Param<String> topClassesCol() { return topClassesCol; }
    public IntParam topK() { return topK; }
    public IntParam batchSize() { return batchSize; }

    public ImageClassificationModel setTopK(int value) { set(topK, value); return this; }
    public ImageClassificationModel setImageCol(String value) { set(imageCol, value); return this; }
    public ImageClassificationModel setPathCol(String value) { set(pathCol, value); return this; }

    /** The class names, in the order of the probability vector. */
    public List<String> classes() {
        return classes;
    }

    public ComputationGraph network() {
        try {
            return ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(modelZip), false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the network of " + uid, e);
        }
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType schema = transformSchema(dataset.schema());
        var sc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
        Broadcast<ModelState> state = sc.broadcast(ModelState.of(network()));
        boolean hasImage = Arrays.asList(dataset.columns()).contains($(imageCol));
        var images = new ImageRows($(imageCol), $(pathCol), hasImage, input, new HadoopConf(sc.hadoopConfiguration()));
        var scoring = new Scoring(state, images, new Preprocessing(sparkcnn.kernels.data.Augmentation.NONE, mean, std),
                classes, (Integer) $(topK), (Integer) $(batchSize));
        var rows = dataset.toDF().javaRDD().mapPartitions(scoring::score);
        return dataset.sparkSession().createDataFrame(rows, schema);
    }

    /** What each partition needs to score its rows. */
    private record Scoring(Broadcast<ModelState> state, ImageRows images, Preprocessing preprocessing,
                           List<String> classes, int topK, int batchSize) implements java.io.Serializable {
        Iterator<Row> score(Iterator<Row> rows) {
            NativeBackend.init(NativeBackend.current() == null ? 1 : NativeBackend.current().threads());
            TaskGpu.bind();
            List<Row> out = new ArrayList<>();
            List<Row> batch = new ArrayList<>();
            while (rows.hasNext()) {
                batch.add(rows.next());
                if (batch.size() == batchSize || !rows.hasNext()) {
                    out.addAll(scoreBatch(batch));
                    batch.clear();
                }
            }
            return out.iterator();
        }

        private List<Row> scoreBatch(List<Row> rows) {
            var scored = Scorer.decodeAndScore(rows, images::example, images.input(), state.value(), batchSize,
                    classes.size(), preprocessing);
            List<Row> out = new ArrayList<>(rows.size());
            for (int i = 0; i < rows.size(); i++) {
                Row row = rows.get(i);
                Object[] values = new Object[row.length() + 3];
                for (int c = 0; c < row.length(); c++) {
                    values[c] = row.get(c);
                }
                float[] probabilities = scored.get(i).probabilities();
                if (probabilities != null) {
                    int[] top = Scorer.top(probabilities, topK);
                    double[] vector = new double[probabilities.length];
                    for (int c = 0; c < vector.length; c++) {
                        vector[c] = probabilities[c];
                    }
                    values[row.length()] = (double) top[0];
                    values[row.length() + 1] = Vectors.dense(vector);
                    values[row.length() + 2] = Arrays.stream(top).mapToObj(classes::get).toArray(String[]::new);
                }
                out.add(RowFactory.create(values));
            }
            return out;
        }
    }

    @Override
    public StructType transformSchema(StructType schema) {
        return outputSchema(schema, $(predictionCol), $(probabilityCol), $(topClassesCol));
    }

    static StructType outputSchema(StructType schema, String prediction, String probability, String topClasses) {
        for (String column : List.of(prediction, probability, topClasses)) {
            if (Arrays.asList(schema.fieldNames()).contains(column)) {
                throw new IllegalArgumentException("the DataFrame already has a column '" + column + "'");
            }
        }
        return schema.add(prediction, DataTypes.DoubleType, true)
                .add(probability, new VectorUDT(), true)
                .add(topClasses, DataTypes.createArrayType(DataTypes.StringType), true);
    }

    @Override
    public ImageClassificationModel copy(ParamMap extra) {
        var copy = new ImageClassificationModel(uid, modelZip, classes, input, mean, std);
        return copyValues(copy, extra).setParent(parent());
    }

    /**
     * Spark ML's writer: {@code write().save(path)} saves the model to load again here (Spark ML's
     * metadata, data/model.zip, data/model.json); {@code write().format("onnx").save(file)} writes it
     * as one ONNX file for ONNX Runtime and other frameworks ({@code export-model}'s). The formats are
     * found as Spark ML finds PMML's, through MLFormatRegister services ({@link ModelFormats}).
     */
    @Override
    public GeneralMLWriter write() {
        return new GeneralMLWriter(this);
    }

    @Override
    public void save(String path) throws IOException {
        write().save(path);
    }

    public static MLReader<ImageClassificationModel> read() {
        return new Reader();
    }

    public static ImageClassificationModel load(String path) {
        return read().load(path);
    }

    /** Spark ML's own format ({@link ModelFormats.Internal}): metadata (class, uid, params), data/model.zip, data/model.json. */
    void saveInternal(String path, SparkContext sc) {
        DefaultParamsWriter.saveMetadata(this, path, sc, Option.empty(), Option.empty());
        write(new Path(path, "data/model.zip"), modelZip, sc);
        try {
            byte[] json = new ObjectMapper().writeValueAsBytes(Map.of("classes", classes, "input", input.toString(),
                    "mean", mean, "std", std));
            write(new Path(path, "data/model.json"), json, sc);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One ONNX file ({@link ModelFormats.Onnx}): the network with its normalisation, the class names in its metadata. */
    void saveOnnx(String file, SparkContext sc) {
        byte[] onnx = OnnxModelExport.onnx(network(), input, new Preprocessing(Augmentation.NONE, mean, std), classes,
                "ImageClassificationModel " + uid);
        OnnxModelExport.writeWhole(onnx, file, sc.hadoopConfiguration());
    }

    private static final class Reader extends MLReader<ImageClassificationModel> {
        @Override
        public ImageClassificationModel load(String path) {
            var metadata = DefaultParamsReader.loadMetadata(path, sc(), ImageClassificationModel.class.getName());
            try {
                var json = new ObjectMapper().readTree(read(new Path(path, "data/model.json"), sc()));
                List<String> classes = new ArrayList<>();
                json.get("classes").forEach(c -> classes.add(c.asText()));
                var scaling = Normalization.of(json); // model.json's mean and std, as in a run's normalization.json
                var model = new ImageClassificationModel(metadata.uid(), read(new Path(path, "data/model.zip"), sc()),
                        classes, Volume.parse(json.get("input").asText()), scaling.mean(), scaling.std());
                metadata.getAndSetParams(model, Option.empty());
                return model;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the model saved in " + path, e);
            }
        }
    }

    private static byte[] read(Path path, SparkContext sc) {
        try (var in = path.getFileSystem(sc.hadoopConfiguration()).open(path)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    private static void write(Path path, byte[] bytes, SparkContext sc) {
        try {
            FileSystem fs = path.getFileSystem(sc.hadoopConfiguration());
            try (var out = fs.create(path, true)) {
                out.write(bytes);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
    }
}
