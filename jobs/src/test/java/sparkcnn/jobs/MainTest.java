package sparkcnn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The train command as a user runs it, on the real Fashion-MNIST files of conf/fashion-mnist-cnn.conf. */
class MainTest {
    private MainRunner.Run last;

    private int run(String... args) {
        last = MainRunner.run(args);
        return last.status();
    }

    private String stderr() {
        return last.err();
    }

    @Test
    void aMissingDataPathIsAnErrorThatNamesThePathAndItsKey(@TempDir Path dir) {
        int status = run("train", "--config", "../conf/fashion-mnist-cnn.conf",
                "--set", "data.test.labels=/nowhere/t10k-labels-idx1-ubyte.gz", "--set", "run.dir=" + dir);
        assertEquals(2, status, stderr());
        assertTrue(stderr().contains("data.test"), stderr());
        assertTrue(stderr().contains("/nowhere/t10k-labels-idx1-ubyte.gz"), stderr());
    }

    @Test
    void anImpossibleGeometryFailsBeforeSparkStarts(@TempDir Path dir) {
        // A master URL Spark cannot parse: had Spark started first, that would be the error.
        int status = run("train", "--config", "../conf/fashion-mnist-cnn.conf", "--set", "run.dir=" + dir,
                "--master", "no-such-master://x", "--set", "model.stages=[{convs=1, filters=8, size=4, pool=true}]");
        assertEquals(2, status, stderr());
        // F=4 with 'same' padding P=1 gives 27x27, which a 2x2/2 pool cannot halve
        assertTrue(stderr().contains("layer 'stage1_pool'"), stderr());
        assertTrue(stderr().contains("= 13.5 is not a whole number"), stderr());
    }

    @Test
    void unknownOptionsPrintUsage() {
        assertEquals(2, run("train", "--epochs", "3"));
        assertTrue(stderr().contains("Unknown options: '--epochs'"), stderr());
        assertTrue(stderr().contains("Try 'sparkcnn train --help'"), stderr());
        assertTrue(stderr().contains("Usage: sparkcnn train"), stderr());
        assertEquals(2, run("inspect", "--batch", "0"));
        assertTrue(stderr().contains("--batch expects a number >= 1, got 0"), stderr());
        assertEquals(2, run("export", "--config", "../conf/fashion-mnist-cnn.conf"));
        assertTrue(stderr().contains("Missing required option: '--out=DIR'"), stderr());
        assertEquals(2, run("train", "--resume", "runs/x", "--overwrite"));
        assertTrue(stderr().contains("give one of them"), stderr());
        assertEquals(2, run());
        assertTrue(stderr().contains("Usage: sparkcnn") && stderr().contains("evaluate"), stderr());
    }

    @Test
    void aShortRunWritesMetricsAndALoadableModel(@TempDir Path dir) throws IOException {
        int status = run("train", "--config", "../conf/fashion-mnist-cnn.conf", "--master", "local[2]",
                "--set", "run.dir=" + dir, "--set", "train.epochs=2", "--set", "data.train.limit=3000",
                "--set", "data.test.limit=1000", "--set", "spark.app-name=main-test");
        assertEquals(0, status, stderr());
        String stdout = last.out();
        assertTrue(stdout.contains("epoch 2/2: test accuracy"), stdout);

        List<String> lines = Files.readAllLines(dir.resolve("metrics.jsonl")).stream()
                .filter(l -> l.contains("\"event\":\"epoch\"")).toList();
        assertEquals(2, lines.size());
        JsonNode last = new ObjectMapper().readTree(lines.get(1));
        assertEquals(2, last.get("epoch").asInt());
        double accuracy = last.get("test_accuracy").asDouble();
        assertTrue(accuracy > 0.5 && accuracy <= 1, "accuracy " + accuracy);
        assertTrue(last.get("test_loss").asDouble() > 0);
        assertTrue(last.get("seconds").asDouble() > 0);
        assertTrue(Files.size(dir.resolve("curves.png")) > 1000, "curves.png is drawn");
        assertTrue(Files.readString(dir.resolve("report.html")).contains("Confusion matrix"));

        ComputationGraph model = ModelSerializer.restoreComputationGraph(dir.resolve("model.zip").toFile(), true);
        assertEquals(421642, model.numParams());
        var saved = com.typesafe.config.ConfigFactory.parseFile(dir.resolve("config.conf").toFile());
        assertEquals(3000, saved.getInt("data.train.limit"), "the run keeps the config it ran with");

        // evaluate: the saved model on the run's own test set scores what the last epoch reported
        Path json = dir.resolve("evaluation.json");
        assertEquals(0, run("evaluate", dir.toString(), "--master", "local[2]", "--json", json.toString()), stderr());
        assertTrue(this.last.out().contains(String.format("accuracy %.4f", accuracy)), this.last.out());
        assertTrue(this.last.out().contains("confusion (row: true class, column: predicted)"), this.last.out());
        JsonNode evaluation = new ObjectMapper().readTree(json.toFile());
        assertEquals(accuracy, evaluation.get("accuracy").asDouble(), 1e-9);
        assertEquals(1000, evaluation.get("examples").asLong());
        assertEquals(10, evaluation.get("confusion").size());
    }

    @Test
    void askingForCudaWhereItCannotLoadSaysWhy(@TempDir Path dir) {
        int status = run("train", "--config", "../conf/fashion-mnist-cnn.conf", "--master", "local[2]",
                "--set", "run.dir=" + dir, "--set", "backend=cuda", "--set", "data.train.limit=500",
                "--set", "data.test.limit=100");
        assertEquals(2, status, stderr());
        assertTrue(stderr().contains("backend = cuda, but "), stderr());
        assertTrue(stderr().contains("CUDA"), stderr());
        assertTrue(!Files.exists(dir.resolve("metrics.jsonl")), "training started anyway");
    }

    @Test
    void everyCommandHelpListsItsOptionsAndConfigKeys() {
        assertEquals(0, run("train", "--help"));
        assertTrue(last.out().contains("--resume=RUN_DIR") && last.out().contains("--overwrite")
                && last.out().contains("train.averaging-frequency = 5")
                && last.out().contains("backend = \"auto\""), last.out());
        assertEquals(0, run("sweep", "--help"));
        assertTrue(last.out().contains("sweep.parallel = 1") && last.out().contains("sweep.search"), last.out());
        assertEquals(0, run("evaluate", "--help"));
        assertTrue(last.out().contains("RUN_DIR|MODEL_ZIP") && last.out().contains("data.test.images"), last.out());
        assertEquals(0, run("inspect", "--help"));
        assertTrue(last.out().contains("model.growth-rate = 12"), last.out());
        // the spark-submit jar's bench: what runs on a cluster (the bench module adds the rest, BenchCommandsTest)
        assertEquals(0, run("bench", "--help"));
        assertTrue(last.out().contains("rounds"), last.out());
        assertEquals(0, run("bench", "rounds", "--help"));
        assertTrue(last.out().contains("--workers=N"), last.out());
        // a completion script for bash and zsh, generated from the same command tree
        assertEquals(0, run("completion"));
        assertTrue(last.out().contains("complete -F") && last.out().contains("--resume"), last.out());
    }
}
