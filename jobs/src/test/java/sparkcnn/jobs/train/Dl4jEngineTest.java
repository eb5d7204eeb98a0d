package sparkcnn.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sparkcnn.driver.FashionMnist;
import sparkcnn.jobs.MainRunner;

/** train.engine = dl4j-parameter-averaging: DL4J Spark's training master on our data, reported as ours. */
class Dl4jEngineTest {

    @Test
    void dl4jsTrainingMasterTrainsTheMainJobAndIsReportedLikeOurs(@TempDir Path dir) throws Exception {
        FashionMnist.require();
        Path run = dir.resolve("run");
        var trained = MainRunner.run("train", "--config", "../conf/fashion-mnist-cnn.conf", "--master", "local[2]",
                "--set", "run.dir=" + run, "--set", "train.engine=dl4j-parameter-averaging",
                "--set", "data.train.limit=6000", "--set", "data.test.limit=1000", "--set", "train.epochs=2");
        assertEquals(0, trained.status(), trained.err());
        List<JsonNode> epochs = new ArrayList<>();
        List<JsonNode> rounds = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode r = new ObjectMapper().readTree(line);
            (r.get("event").asText().equals("epoch") ? epochs : rounds).add(r);
        }
        assertEquals(2, epochs.size());
        rounds.removeIf(r -> !r.get("event").asText().equals("round"));
        assertEquals(2, rounds.size(), "one round per epoch: DL4J fits an epoch in one call");
        assertEquals(6000, epochs.get(1).get("examples_seen").asLong());
        double accuracy = epochs.get(1).get("test_accuracy").asDouble();
        assertTrue(accuracy > 0.7, "test accuracy " + accuracy);
        for (String file : List.of("model.zip", "curves.png", "report.html", "config.conf")) {
            assertTrue(Files.exists(run.resolve(file)), file);
        }

        // what it cannot do is refused, not faked
        var resumed = MainRunner.run("train", "--resume", run.toString(), "--set", "train.epochs=3");
        assertNotEquals(0, resumed.status());
        assertTrue(resumed.err().contains("cannot be resumed"), resumed.err());
        var bounded = MainRunner.run("train", "--config", "../conf/fashion-mnist-cnn.conf", "--set",
                "run.dir=" + dir.resolve("other"), "--set", "train.engine=dl4j-parameter-averaging",
                "--set", "train.steps-per-epoch=3");
        assertNotEquals(0, bounded.status());
        assertTrue(bounded.err().contains("train.steps-per-epoch"), bounded.err());
    }
}
