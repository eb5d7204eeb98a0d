package sparkcnn.ml;

import sparkcnn.driver.run.RunStart;
import com.typesafe.config.Config;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
import sparkcnn.driver.data.EpochData;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.jobs.config.JobConfig;
import sparkcnn.jobs.data.DataContext;
import sparkcnn.jobs.data.DataFormats;
import sparkcnn.jobs.data.TrainingData;
import sparkcnn.jobs.train.TrainJob;
import sparkcnn.kernels.arch.Volume;

/**
 * A Spark ML {@link Estimator} that trains a convolutional network on a DataFrame of images by
 * sparkcnn's parameter averaging (the same rounds, checkpoints and metrics as {@code sparkcnn train})
 * and returns an {@link ImageClassificationModel}. Rows hold a struct of Spark's image source
 * ({@code spark.read().format("image")}) or a file path, and a label: a class index as a
 * {@code StringIndexer} makes it (its class names are kept) or any integer 0..K-1.
 *
 * <p>Every training param maps to a key of {@code sparkcnn train}'s config (named in its doc);
 * {@code config} takes a HOCON job text or file for the rest (e.g. {@code model.stages}).
 */
public class ImageClassifier extends Estimator<ImageClassificationModel> implements DefaultParamsWritable {
    private final String uid;

    private final Param<String> imageCol;
    private final Param<String> pathCol;
    private final Param<String> labelCol;
    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;
    private final Param<String> topClassesCol;
    private final IntParam topK;
    private final IntParam batchSize;
    private final Param<String> config;
    private final Param<String> modelType;
    private final Param<String> input;
    private final IntParam epochs;
    private final IntParam workers;
    private final IntParam batchSizePerWorker;
    private final IntParam averagingFrequency;
    private final Param<String> updater;
    private final DoubleParam learningRate;
    private final LongParam seed;
    private final Param<String> runDir;
    private final DoubleParam validationFraction;
    private final ConfigParams configKeys;

    public ImageClassifier() {
        this(Identifiable.randomUID("imageClassifier"));
    }

    public ImageClassifier(String uid) {
        this.uid = uid;
        // params after the uid: a Param records its parent's uid when it is made
        var shared = new SharedParams(this, this::setDefault);
        this.imageCol = shared.imageCol;
        this.pathCol = shared.pathCol;
        this.labelCol = new Param<>(this, "labelCol", "column of class indices 0..K-1");
        this.predictionCol = shared.predictionCol;
        this.probabilityCol = shared.probabilityCol;
        this.topClassesCol = shared.topClassesCol;
        this.topK = shared.topK;
        this.batchSize = shared.batchSize;
        this.config = new Param<>(this, "config",
                "a HOCON job text, or the path of a job file, for keys without a param of their own; params set win");
        var keys = new ConfigParams(this, this::setDefault);
        this.modelType = keys.text("modelType", "model.type", "pattern, densenet, ...");
        this.input = keys.text("input", "model.input", "WxHxD: images are resized to it");
        this.epochs = keys.integer("epochs", "train.epochs", ParamValidators.gtEq(1));
        this.workers = keys.integer("workers", "train.workers", ParamValidators.gtEq(1));
        this.batchSizePerWorker = keys.integer("batchSizePerWorker", "train.batch-size-per-worker",
                ParamValidators.gtEq(1));
        this.averagingFrequency = keys.integer("averagingFrequency", "train.averaging-frequency",
                ParamValidators.gtEq(1));
        this.updater = keys.text("updater", "train.optimizer.updater", "sgd, nesterovs, adam");
        this.learningRate = keys.real("learningRate", "train.optimizer.learning-rate", ParamValidators.gt(0));
        this.seed = keys.whole("seed", "train.seed");
        this.configKeys = keys;
        this.runDir = new Param<>(this, "runDir",
                "run.dir: checkpoints, metrics and model.zip of the training run (empty: a new temporary directory)");
        this.validationFraction = new DoubleParam(this, "validationFraction",
                "share of the rows held out to evaluate each epoch on", ParamValidators.inRange(0, 1, false, false));
        setDefault(labelCol, "label");
        setDefault(config, "");
        setDefault(runDir, "");
        setDefault(validationFraction, 0.1);
    }

    @Override
    public String uid() {
        return uid;
    }

    // params, as Spark ML finds them (public methods returning a Param)
    public Param<String> imageCol() { return imageCol; }
    public Param<String> pathCol() { return pathCol; }
    public Param<String> labelCol() { return labelCol; }
    public Param<String> predictionCol() { return predictionCol; }
    public Param<String> probabilityCol() { return probabilityCol; }
    public Param<String> topClassesCol() { return topClassesCol; }
    public IntParam topK() { return topK; }
    public IntParam batchSize() { return batchSize; }
    public Param<String> config() { return config; }
    public Param<String> modelType() { return modelType; }
    public Param<String> input() { return input; }
    public IntParam epochs() { return epochs; }
    public IntParam workers() { return workers; }
    public IntParam batchSizePerWorker() { return batchSizePerWorker; }
    public IntParam averagingFrequency() { return averagingFrequency; }
    public Param<String> updater() { return updater; }
    public DoubleParam learningRate() { return learningRate; }
    public LongParam seed() { return seed; }
    public Param<String> runDir() { return runDir; }
    public DoubleParam validationFraction() { return validationFraction; }

    public ImageClassifier setImageCol(String value) { set(imageCol, value); return this; }
    public ImageClassifier setPathCol(String value) { set(pathCol, value); return this; }
    public ImageClassifier setLabelCol(String value) { set(labelCol, value); return this; }
    public ImageClassifier setPredictionCol(String value) { set(predictionCol, value); return this; }
    public ImageClassifier setTopK(int value) { set(topK, value); return this; }
    public ImageClassifier setConfig(String value) { set(config, value); return this; }
    public ImageClassifier setModelType(String value) { set(modelType, value); return this; }
    public ImageClassifier setInput(String value) { set(input, value); return this; }
    public ImageClassifier setEpochs(int value) { set(epochs, value); return this; }
    public ImageClassifier setWorkers(int value) { set(workers, value); return this; }
    public ImageClassifier setBatchSizePerWorker(int value) { set(batchSizePerWorker, value); return this; }
    public ImageClassifier setAveragingFrequency(int value) { set(averagingFrequency, value); return this; }
    public ImageClassifier setUpdater(String value) { set(updater, value); return this; }
    public ImageClassifier setLearningRate(double value) { set(learningRate, value); return this; }
    public ImageClassifier setSeed(long value) { set(seed, value); return this; }
    public ImageClassifier setRunDir(String value) { set(runDir, value); return this; }
    public ImageClassifier setValidationFraction(double value) { set(validationFraction, value); return this; }

    /** The job config: {@code config}, then the params set on top, as {@code --set} would. */
    Config jobConfig(List<String> classes, String dir) {
        List<String> sets = new ArrayList<>(configKeys.overrides());
        if (isSet(batchSize)) {
            sets.add("train.eval-batch-size=" + $(batchSize));
        }
        sets.addAll(List.of("model.classes=" + classes.size(), "run.dir=" + dir, "data.format=" + DataFormats.DATAFRAME));
        String base = $(config);
        if (base.isEmpty() || base.contains("=") || base.contains("{")) {
            return JobConfig.fromText(base, sets);
        }
        return JobConfig.load(new java.io.File(base), sets);
    }

    @Override
    public ImageClassificationModel fit(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        List<String> classes = classNames(dataset);
        String dir = $(runDir).isEmpty() ? temporaryRunDir() : $(runDir);
        Config job = jobConfig(classes, dir);
        var trainJob = new TrainJob(job, new PrintStream(System.out, true), false);
        Volume shape = trainJob.spec().model().input();
        var sc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
        var rows = imageRows(dataset, shape, sc);
        double held = (Double) $(validationFraction);
        Dataset<Row>[] split = dataset.toDF().randomSplit(new double[] {1 - held, held}, trainJob.spec().seed());
        int parts = trainJob.spec().workers();
        var opened = new TrainingData(
                EpochData.fixed(rows.blocks(split[0], $(labelCol), parts).cache(), shape, classes),
                EpochData.fixed(rows.blocks(split[1], $(labelCol), parts).cache(), shape, classes));
        trainJob.runOn(sc, RunStart.NEW, opened);
        ImageClassificationModel model = ImageClassificationModel.fromRun(uid, dir, shape, classes, sc);
        copyValues(model.setParent(this), ParamMap.empty());
        return model;
    }

    /** The class names: the label column's metadata where a StringIndexer set it, else 0..max. */
    private List<String> classNames(Dataset<?> dataset) {
        Attribute attribute = Attribute.fromStructField(dataset.schema().apply($(labelCol)));
        if (attribute instanceof NominalAttribute nominal && nominal.values().isDefined()) {
            return Arrays.asList(nominal.values().get());
        }
        Row max = dataset.agg(functions.max($(labelCol))).head();
        if (max.isNullAt(0)) {
            throw new IllegalArgumentException("no labelled rows in column " + $(labelCol));
        }
        return DataContext.numbered((int) ((Number) max.get(0)).doubleValue() + 1);
    }

    ImageRows imageRows(Dataset<?> dataset, Volume shape, JavaSparkContext sc) {
        boolean hasImage = Arrays.asList(dataset.columns()).contains($(imageCol));
        return new ImageRows($(imageCol), $(pathCol), hasImage, shape, new HadoopConf(sc.hadoopConfiguration()));
    }

    private static String temporaryRunDir() {
        try {
            return Files.createTempDirectory("sparkcnn-image-classifier").resolve("run").toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public StructType transformSchema(StructType schema) {
        List<String> columns = Arrays.asList(schema.fieldNames());
        if (!columns.contains($(imageCol)) && !columns.contains($(pathCol))) {
            throw new IllegalArgumentException("the DataFrame has neither an image column '" + $(imageCol)
                    + "' nor a path column '" + $(pathCol) + "'; columns: " + columns);
        }
        return ImageClassificationModel.outputSchema(schema, $(predictionCol), $(probabilityCol), $(topClassesCol));
    }

    @Override
    public ImageClassifier copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    public static MLReader<ImageClassifier> read() {
        return new DefaultParamsReader<>();
    }

    public static ImageClassifier load(String path) {
        return read().load(path);
    }
}
