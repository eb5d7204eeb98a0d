package sparkcnn.jobs.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sparkcnn.jobs.MainRunner;

class InspectJobTest {

    @Test
    void densenetBcFromFlagsPrintsTheTableAndWritesJson(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("report.json");
        var run = MainRunner.run("inspect", "--model", "densenet-bc", "--depth", "100", "--growth", "12",
                "--input", "32x32x3", "--classes", "10", "--json", json.toString());
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("769,162 trainable parameters"), run.out());
        assertTrue(run.out().contains("block3_layer16_conv3x3"), run.out());
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertEquals(769_162, report.get("totals").get("params").asLong());
        assertEquals("8x8x342", report.get("layers").get(report.get("layers").size() - 4).get("output").asText());
    }

    @Test
    void theMainJobConfigCanBeInspected() {
        var run = MainRunner.run("inspect", "--config", "../conf/fashion-mnist-cnn.conf");
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("421,642 trainable parameters"), run.out());
        assertTrue(run.out().contains("stage2_pool"), run.out());
        assertTrue(run.out().contains("optimizer: Adam (betas 0.9, 0.999, eps 1e-8), no weight decay, lr 0.001 constant"),
                run.out());
    }

    @Test
    void theDenseNetJobPrintsItsOptimizerAsApplied() {
        var run = MainRunner.run("inspect", "--config", "../conf/fashion-mnist-densenet-bc.conf",
                "--set", "train.epochs=40");
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("optimizer: SGD nesterov momentum 0.9, L2 1e-4 (coupled), lr 0.1 x 0.1 at epochs 20, 30"),
                run.out());
    }

    /** The memory estimate is for the config's batch per worker, and names the overhead an executor needs for it. */
    @Test
    void theMemoryEstimateIsTheWorkersAndSizesTheExecutorsOverhead() {
        var run = MainRunner.run("inspect", "--config", "../conf/fashion-mnist-densenet-bc.conf",
                "--set", "train.batch-size-per-worker=32");
        assertEquals(0, run.status(), run.err());
        var training = java.util.regex.Pattern.compile("memory at batch 32, float32: inference [0-9.]+ MiB, training ([0-9.]+) MiB")
                .matcher(run.out());
        assertTrue(training.find(), run.out());
        var overhead = java.util.regex.Pattern.compile("spark.executor.memoryOverhead >= ([0-9]+)m to train at batch 32")
                .matcher(run.out());
        assertTrue(overhead.find(), run.out());
        // the training memory and 384 MiB for the JVM's own native memory
        assertEquals(Double.parseDouble(training.group(1)) + 384, Long.parseLong(overhead.group(1)), 1.0, run.out());
        var larger = MainRunner.run("inspect", "--config", "../conf/fashion-mnist-densenet-bc.conf", "--batch", "128");
        assertTrue(larger.out().contains("memory at batch 128,"), larger.out());
    }

    @Test
    void anImpossibleStrideIsRejectedNamingTheLayer() {
        var run = MainRunner.run("inspect", "--model", "densenet-bc", "--depth", "40", "--input", "30x30x3");
        assertEquals(2, run.status());
        // 30 -> 15 after the first transition; a 2x2/2 pool cannot halve 15
        assertTrue(run.err().contains("layer 'transition2_pool'") && run.err().contains("7.5"), run.err());
    }

    @Test
    void aDepthThatIsNotOfTheFormIsAClearError() {
        var run = MainRunner.run("inspect", "--model", "densenet-bc", "--depth", "41");
        assertEquals(2, run.status());
        assertTrue(run.err().contains("model.depth") && run.err().contains("L=41"), run.err());
    }
}
