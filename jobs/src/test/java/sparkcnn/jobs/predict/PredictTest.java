package sparkcnn.jobs.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import sparkcnn.driver.FashionMnist;
import sparkcnn.driver.data.IdxFile;
import sparkcnn.jobs.MainRunner;

/**
 * {@code predict} on real Fashion-MNIST with a model trained here: its rows give evaluate's accuracy
 * exactly, carry the model's own probabilities, and an image folder (with a file that does not
 * decode) is scored image by image into rows that Spark reads back.
 */
class PredictTest {
    @TempDir
    static Path dir;
    static Path run;

    @BeforeAll
    static void train() {
        run = sparkcnn.jobs.TrainedRun.mainJobOneEpoch();
    }

    /** What Spark reads back, in a session of its own (a JVM holds one SparkContext at a time, and each command starts one). */
    static <T> T read(java.util.function.Function<SparkSession, T> reader) {
        SparkSession spark = SparkSession.builder().master("local[1]").appName("read-predictions")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            return reader.apply(spark);
        } finally {
            spark.stop();
        }
    }

    @Test
    void predictionsOfTheTestSetGiveEvaluatesAccuracyAndTheModelsOwnProbabilities() throws Exception {
        Path out = dir.resolve("test-predictions");
        var predicted = MainRunner.run("predict", run.toString(), "--input", FashionMnist.TEST_IMAGES,
                "--labels", FashionMnist.TEST_LABELS, "--out", out.toString(), "--top", "3", "--master", "local[2]");
        assertEquals(0, predicted.status(), predicted.err());
        assertTrue(predicted.out().contains("predict: 10,000 rows"), predicted.out());
        Path json = dir.resolve("evaluate.json");
        var evaluated = MainRunner.run("evaluate", run.toString(), "--set", "data.test.limit=0", "--json", json.toString(),
                "--master", "local[2]");
        assertEquals(0, evaluated.status(), evaluated.err());
        double accuracy = new ObjectMapper().readTree(json.toFile()).get("accuracy").asDouble();

        List<Row> rows = read(spark -> spark.read().parquet(out.toString()).orderBy("id").collectAsList());
        assertEquals(10_000, rows.size());
        long correct = rows.stream().filter(r -> r.getInt(r.fieldIndex("label")) == r.getInt(r.fieldIndex("prediction")))
                .count();
        assertEquals(accuracy, correct / 10_000.0, 0.0, "predict's rows and evaluate disagree");
        assertTrue(accuracy > 0.5, "accuracy " + accuracy);

        // the first 20 rows against the saved model's own outputs on the same pixels
        var graph = ModelSerializer.restoreComputationGraph(run.resolve("model.zip").toFile(), false);
        var idx = IdxFile.open(FashionMnist.TEST_IMAGES, new org.apache.hadoop.conf.Configuration());
        byte[] pixels = idx.read(new org.apache.hadoop.conf.Configuration(), 0, 20);
        float[] x = new float[pixels.length];
        Path stats = run.resolve("normalization.json");
        var normalization = Files.exists(stats) ? new ObjectMapper().readTree(stats.toFile()) : null;
        float mean = normalization == null ? 0 : (float) normalization.get("mean").get(0).asDouble();
        float std = normalization == null ? 1 : (float) normalization.get("std").get(0).asDouble();
        for (int i = 0; i < x.length; i++) {
            x[i] = ((pixels[i] & 0xFF) / 255f - mean) / std;
        }
        float[][] p = graph.outputSingle(false, Nd4j.create(x, new long[] {20, 1, 28, 28}, 'c').castTo(DataType.FLOAT))
                .toFloatMatrix();
        for (int i = 0; i < 20; i++) {
            Row row = rows.get(i);
            assertEquals(i, row.getLong(row.fieldIndex("id")));
            int best = 0;
            for (int c = 1; c < 10; c++) {
                best = p[i][c] > p[i][best] ? c : best;
            }
            assertEquals(best, row.getInt(row.fieldIndex("prediction")), "row " + i);
            assertEquals(p[i][best], row.getDouble(row.fieldIndex("probability")), 1e-5, "row " + i);
            List<Double> top = row.getList(row.fieldIndex("top_probabilities"));
            assertEquals(3, top.size());
            assertTrue(top.get(0) >= top.get(1) && top.get(1) >= top.get(2), top.toString());
            assertNull(row.get(row.fieldIndex("error")));
        }
    }

    @Test
    void anImageFolderIsScoredImageByImageAndABrokenFileGetsAnErrorRow() throws Exception {
        // the first 12 test images as grey PNGs in two folders, and a JPEG that is not one
        Path images = dir.resolve("images");
        var idx = IdxFile.open(FashionMnist.TEST_IMAGES, new org.apache.hadoop.conf.Configuration());
        byte[] pixels = idx.read(new org.apache.hadoop.conf.Configuration(), 0, 12);
        for (int i = 0; i < 12; i++) {
            var image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            image.getRaster().setDataElements(0, 0, 28, 28, java.util.Arrays.copyOfRange(pixels, i * 784, (i + 1) * 784));
            Path file = images.resolve(i % 2 == 0 ? "even" : "odd").resolve(String.format("img%02d.png", i));
            Files.createDirectories(file.getParent());
            ImageIO.write(image, "png", file.toFile());
        }
        Files.write(images.resolve("odd/broken.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3});
        Path out = dir.resolve("folder-predictions");
        var predicted = MainRunner.run("predict", run.toString(), "--input", images.toString(), "--out", out.toString(),
                "--format", "json", "--master", "local[2]");
        assertEquals(0, predicted.status(), predicted.err());
        assertTrue(predicted.out().contains("1 images that do not decode"), predicted.out());

        // the same images scored from the idx file: a PNG's row predicts what its idx row does
        Path fromIdx = dir.resolve("idx-predictions");
        assertEquals(0, MainRunner.run("predict", run.toString(), "--input", FashionMnist.TEST_IMAGES, "--out",
                fromIdx.toString(), "--master", "local[2]").status());
        Map<Long, Integer> idxPrediction = new HashMap<>();
        read(spark -> spark.read().parquet(fromIdx.toString()).where("id < 12").collectAsList())
                .forEach(r -> idxPrediction.put(r.getLong(0), r.getInt(r.fieldIndex("prediction"))));

        List<Row> rows = read(spark -> spark.read().json(out.toString()).collectAsList());
        assertEquals(13, rows.size());
        int scored = 0;
        for (Row row : rows) {
            String path = row.getString(row.fieldIndex("path"));
            if (path.endsWith("broken.jpg")) {
                assertNotEquals(null, row.get(row.fieldIndex("error")));
                assertTrue(row.isNullAt(row.fieldIndex("prediction")));
                continue;
            }
            int i = Integer.parseInt(path.substring(path.lastIndexOf("img") + 3, path.lastIndexOf(".png")));
            assertEquals(idxPrediction.get((long) i), (int) row.getLong(row.fieldIndex("prediction")), path);
            scored++;
        }
        assertEquals(12, scored);

        // an existing output is refused, as Spark's writers do, unless --overwrite
        var again = MainRunner.run("predict", run.toString(), "--input", images.toString(), "--out", out.toString(),
                "--master", "local[2]");
        assertNotEquals(0, again.status());
        assertTrue(again.err().contains("exists; --overwrite replaces it"), again.err());
        var csv = MainRunner.run("predict", run.toString(), "--input", images.toString(), "--out", out.toString(),
                "--format", "csv", "--overwrite", "--master", "local[2]");
        assertEquals(0, csv.status(), csv.err());
        assertEquals(13L, (long) read(spark -> spark.read().option("header", "true").csv(out.toString()).count()));
    }
}
