package sparkcnn.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.split;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sparkcnn.driver.FashionMnist;
import sparkcnn.driver.data.IdxFile;

/**
 * The Spark ML API on real Fashion-MNIST images read with Spark's own image source: a Pipeline of
 * StringIndexer and ImageClassifier fits, transforms, saves, loads and transforms to the same
 * predictions.
 */
class ImageClassifierTest {
    private static final List<String> NAMES = List.of("tshirt", "trouser", "pullover");
    @TempDir
    static Path dir;
    static SparkSession spark;

    @BeforeAll
    static void start() throws Exception {
        FashionMnist.require();
        writeImages(dir.resolve("images"));
        spark = SparkSession.builder().master("local[2]").appName("image-classifier-test")
                .config("spark.ui.enabled", "false").getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    /** Each training param's default is its config key's in reference.conf; only params set win over the config. */
    @Test
    void paramDefaultsAreTheConfigsAndOnlyParamsSetOverrideIt() {
        var reference = sparkcnn.jobs.config.JobConfig.reference();
        var classifier = new ImageClassifier();
        assertEquals(reference.getInt("train.epochs"), classifier.getOrDefault(classifier.epochs()));
        assertEquals(reference.getInt("train.eval-batch-size"), classifier.getOrDefault(classifier.batchSize()));
        assertEquals(reference.getDouble("train.optimizer.learning-rate"),
                (Double) classifier.getOrDefault(classifier.learningRate()), 0.0);
        assertTrue(classifier.epochs().doc().startsWith("train.epochs"), classifier.epochs().doc());

        classifier.setConfig("train { epochs = 7, workers = 3 }\nmodel.input = \"32x32x3\"");
        var job = classifier.jobConfig(NAMES, dir.resolve("unused").toString());
        assertEquals(7, job.getInt("train.epochs"), "a param left at its default overrode the config");
        assertEquals(3, job.getInt("train.workers"));
        assertEquals("32x32x3", job.getString("model.input"));
        assertEquals(3, job.getInt("model.classes"));

        classifier.setEpochs(2);
        assertEquals(2, classifier.jobConfig(NAMES, dir.resolve("unused").toString()).getInt("train.epochs"));
    }

    @Test
    void aPipelineFitsTransformsSavesAndLoads() throws Exception {
        Dataset<Row> images = spark.read().format("image").option("recursiveFileLookup", "true")
                .load(dir.resolve("images").toString())
                .withColumn("name", element_at(split(col("image.origin"), "/"), -2));
        assertEquals(180, images.count());
        var classifier = new ImageClassifier().setInput("28x28x1").setEpochs(3).setWorkers(2).setBatchSizePerWorker(16)
                .setAveragingFrequency(1).setLearningRate(0.003).setValidationFraction(0.2)
                .setRunDir(dir.resolve("run").toString())
                .setConfig("model.stages = [{convs = 1, filters = 8, size = 3, pool = true}]\nmodel.hidden = [32]");
        var pipeline = new Pipeline().setStages(new PipelineStage[] {
                new StringIndexer().setInputCol("name").setOutputCol("label"), classifier});
        PipelineModel fitted = pipeline.fit(images);
        assertTrue(Files.exists(dir.resolve("run/metrics.jsonl")), "trained as sparkcnn train does");
        var model = (ImageClassificationModel) fitted.stages()[1];
        assertEquals(3, model.classes().size());
        assertTrue(model.classes().containsAll(NAMES), model.classes().toString());

        List<Row> predicted = fitted.transform(images).orderBy("image.origin")
                .select("label", "prediction", "probability", "top_classes").collectAsList();
        long correct = predicted.stream().filter(r -> r.getDouble(0) == r.getDouble(1)).count();
        assertTrue(correct > 180 * 0.6, correct + " of 180 right: not better than chance (60)");
        Row first = predicted.get(0);
        Vector p = first.getAs(2);
        assertEquals(1.0, Arrays.stream(p.toArray()).sum(), 1e-4);
        assertEquals(model.classes().get((int) first.getDouble(1)), first.getList(3).get(0));

        // the same model as one ONNX file, the way Spark ML models write other formats: ONNX Runtime's probabilities
        Path onnx = dir.resolve("clothes.onnx");
        model.write().format("onnx").save(onnx.toString());
        List<Row> pixels = images.orderBy("image.origin").select("image.data").collectAsList();
        var env = ai.onnxruntime.OrtEnvironment.getEnvironment();
        float[] x = new float[180 * 784];
        for (int i = 0; i < 180; i++) {
            byte[] data = pixels.get(i).getAs(0);
            for (int j = 0; j < 784; j++) {
                x[i * 784 + j] = (data[j] & 0xFF) / 255f;
            }
        }
        try (var session = env.createSession(onnx.toString(), new ai.onnxruntime.OrtSession.SessionOptions());
             var tensor = ai.onnxruntime.OnnxTensor.createTensor(env, java.nio.FloatBuffer.wrap(x), new long[] {180, 1, 28, 28});
             var result = session.run(java.util.Map.of("pixels", tensor))) {
            float[][] fromOnnx = (float[][]) result.get("probabilities").orElseThrow().getValue();
            for (int i = 0; i < 180; i++) {
                double[] expected = ((Vector) predicted.get(i).getAs(2)).toArray();
                for (int k = 0; k < 3; k++) {
                    assertEquals(expected[k], fromOnnx[i][k], 1e-4, "image " + i + " class " + k);
                }
            }
            assertTrue(session.getMetadata().getCustomMetadata().get("classes").contains(model.classes().get(0)));
        }

        String saved = dir.resolve("pipeline").toString();
        fitted.write().overwrite().save(saved);
        List<Row> again = PipelineModel.load(saved).transform(images).orderBy("image.origin")
                .select("label", "prediction", "probability", "top_classes").collectAsList();
        for (int i = 0; i < predicted.size(); i++) {
            assertEquals(predicted.get(i).getDouble(1), again.get(i).getDouble(1), "row " + i);
            assertArrayEquals(((Vector) predicted.get(i).getAs(2)).toArray(), ((Vector) again.get(i).getAs(2)).toArray(),
                    "row " + i);
        }
    }

    /** 60 Fashion-MNIST test images of each of three classes, as grey PNGs in folders named for their class. */
    private static void writeImages(Path root) throws Exception {
        var conf = new Configuration();
        byte[] pixels = IdxFile.open(FashionMnist.TEST_IMAGES, conf).read(conf, 0, 1000);
        byte[] labels = IdxFile.open(FashionMnist.TEST_LABELS, conf).read(conf, 0, 1000);
        int[] written = new int[3];
        for (int i = 0; i < 1000; i++) {
            int label = labels[i];
            if (label > 2 || written[label] == 60) {
                continue;
            }
            Path file = root.resolve(NAMES.get(label)).resolve("img" + i + ".png");
            Files.createDirectories(file.getParent());
            var image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            image.getRaster().setDataElements(0, 0, 28, 28, Arrays.copyOfRange(pixels, i * 784, (i + 1) * 784));
            ImageIO.write(image, "png", file.toFile());
            written[label]++;
        }
    }
}
