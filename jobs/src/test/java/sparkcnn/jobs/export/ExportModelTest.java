package sparkcnn.jobs.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sparkcnn.driver.FashionMnist;
import sparkcnn.driver.data.IdxFile;
import sparkcnn.jobs.MainRunner;

/**
 * {@code export-model} on a model trained here on real Fashion-MNIST: ONNX Runtime and sparkcnn's
 * own {@code predict} agree on all 10,000 test images (class and every probability), the model says
 * what it takes and which classes it scores, and bad input ends with one line and no file.
 */
class ExportModelTest {
    @TempDir
    static Path dir;
    static Path run;

    @BeforeAll
    static void train() {
        run = sparkcnn.jobs.TrainedRun.mainJobOneEpoch();
    }

    @Test
    void onnxRuntimeGivesPredictsClassAndProbabilitiesForEveryTestImage() throws Exception {
        Path onnx = dir.resolve("model.onnx");
        var exported = MainRunner.run("export-model", run.toString(), "--format", "onnx", "--out", onnx.toString());
        assertEquals(0, exported.status(), exported.err());
        assertTrue(exported.out().contains("ONNX opset 13"), exported.out());
        assertPassesOnnxChecker(onnx);

        Path predictions = dir.resolve("predictions");
        var predicted = MainRunner.run("predict", run.toString(), "--input", FashionMnist.TEST_IMAGES,
                "--out", predictions.toString(), "--top", "10", "--master", "local[2]");
        assertEquals(0, predicted.status(), predicted.err());
        List<Row> rows = readParquet(predictions);
        List<String> classes = Files.readAllLines(run.resolve("classes.txt"));

        var idx = IdxFile.open(FashionMnist.TEST_IMAGES, new Configuration());
        byte[] pixels = idx.read(new Configuration(), 0, 10_000);
        float[] x = new float[pixels.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = (pixels[i] & 0xFF) / 255f; // what a user has: pixels in [0, 1]
        }
        var env = OrtEnvironment.getEnvironment();
        try (var session = env.createSession(onnx.toString(), new OrtSession.SessionOptions());
             var input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {10_000, 1, 28, 28});
             var result = session.run(Map.of("pixels", input))) {
            assertEquals(classes, List.of(new ObjectMapper().readValue(
                    session.getMetadata().getCustomMetadata().get("classes"), String[].class)));
            float[][] p = (float[][]) result.get("probabilities").orElseThrow().getValue();
            assertEquals(10_000, rows.size());
            double largest = 0;
            for (int i = 0; i < 10_000; i++) {
                Row row = rows.get(i);
                assertEquals(argmax(p[i]), row.getInt(row.fieldIndex("prediction")), "image " + i);
                List<String> top = row.getList(row.fieldIndex("top_classes"));
                List<Double> topP = row.getList(row.fieldIndex("top_probabilities"));
                for (int k = 0; k < top.size(); k++) {
                    largest = Math.max(largest, Math.abs(topP.get(k) - p[i][classes.indexOf(top.get(k))]));
                }
            }
            assertTrue(largest <= 1e-4, "largest probability difference " + largest);
        }
    }

    @Test
    void badInputEndsWithOneLineAndNoFile() throws Exception {
        Path out = dir.resolve("bad.onnx");
        // an unknown format, named
        var format = MainRunner.run("export-model", run.toString(), "--format", "tflite", "--out", out.toString());
        assertEquals(2, format.status());
        assertTrue(format.err().lines().findFirst().orElseThrow().contains("'tflite'"), format.err()); // then the synopsis
        // a run directory without a model
        Path empty = dir.resolve("no-model");
        Files.createDirectories(empty);
        Files.copy(run.resolve("config.conf"), empty.resolve("config.conf"));
        var noModel = MainRunner.run("export-model", empty.toString(), "--out", out.toString());
        assertNotEquals(0, noModel.status());
        assertTrue(noModel.err().contains("model.zip"), noModel.err());
        // a damaged model.zip
        Path damaged = dir.resolve("damaged");
        Files.createDirectories(damaged);
        Files.copy(run.resolve("config.conf"), damaged.resolve("config.conf"));
        byte[] zip = Files.readAllBytes(run.resolve("model.zip"));
        Files.write(damaged.resolve("model.zip"), java.util.Arrays.copyOf(zip, zip.length / 2));
        var broken = MainRunner.run("export-model", damaged.resolve("model.zip").toString(), "--out", out.toString());
        assertNotEquals(0, broken.status());
        assertTrue(broken.err().contains("model.zip"), broken.err());
        for (var r : List.of(noModel, broken)) {
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
        assertFalse(Files.exists(out));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "a temporary file was left");
        }
        // an existing file is kept unless --overwrite
        Files.writeString(out, "mine");
        var exists = MainRunner.run("export-model", run.toString(), "--out", out.toString());
        assertEquals(2, exists.status());
        assertTrue(exists.err().contains("--overwrite"), exists.err());
        assertArrayEquals("mine".getBytes(), Files.readAllBytes(out));
        assertEquals(0, MainRunner.run("export-model", run.toString(), "--out", out.toString(), "--overwrite").status());
        assertTrue(Files.size(out) > 100_000);
    }

    /** ONNX's own checker (Debian's python3-onnx, which bin/setup installs), with shape inference. */
    static void assertPassesOnnxChecker(Path model) throws Exception {
        var checker = new ProcessBuilder("/usr/bin/python3", "-c",
                "import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)", model.toString())
                .redirectErrorStream(true).start();
        String output = new String(checker.getInputStream().readAllBytes());
        assertEquals(0, checker.waitFor(), "ONNX's checker: " + output);
    }

    private static List<Row> readParquet(Path path) {
        var spark = org.apache.spark.sql.SparkSession.builder().master("local[1]").appName("read-predictions")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            return spark.read().parquet(path.toString()).orderBy("id").collectAsList();
        } finally {
            spark.stop();
        }
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            best = values[i] > values[best] ? i : best;
        }
        return best;
    }
}
