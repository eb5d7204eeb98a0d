package sparkcnn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench harness end to end on the smallest model (figures are for bench/results, not asserted). */
class TrainBenchTest {

    @Test
    void measuresThePatternNetAndWritesItsTables(@TempDir Path dir) throws Exception {
        var printed = new ByteArrayOutputStream();
        var bench = new TrainBench(1, 2, 2, null, new PrintStream(printed, true, StandardCharsets.UTF_8));
        bench.run(List.of("pattern"), dir.toFile());

        JsonNode result = new ObjectMapper().readTree(dir.resolve("train.json").toFile());
        assertTrue(result.get("machine").get("nd4j_build").asText().contains("HAVE_ONEDNN"));
        JsonNode single = result.get("single_process").get(0);
        assertEquals("pattern", single.get("model").asText());
        assertEquals(421642, single.get("parameters").asLong());
        assertTrue(single.get("train_images_per_second").asDouble() > 0);
        assertEquals(1, single.get("train_warmup_seconds").size(), "the one warm-up step's time");
        assertTrue(single.get("peak_rss_bytes").asLong() > single.get("peak_heap_bytes").asLong());

        JsonNode spark = result.get("spark_local");
        assertEquals(6, spark.size(), "averaging frequencies 1, 5, 20 for the ring and the driver's averaging");
        for (int i = 0; i < 6; i++) {
            JsonNode row = spark.get(i);
            assertEquals(i < 3 ? "allreduce" : "sparkcnn", row.get("engine").asText());
            assertEquals(new int[] {1, 5, 20}[i % 3], row.get("averaging_frequency").asInt());
            assertTrue(row.get("train_images_per_second").asDouble() > 0);
            assertTrue(row.get("averaging_share").asDouble() < 1, "share " + row.get("averaging_share"));
            assertTrue(row.get("averaging_seconds").asDouble() < row.get("round_seconds").asDouble());
        }
        String md = Files.readString(dir.resolve("train.md"));
        assertTrue(md.contains("| pattern | 128 | 421,642 |"), md);
        assertTrue(md.contains("| pattern | allreduce | 20 |") && md.contains("| pattern | sparkcnn | 20 |"), md);
    }

    @Test
    void unknownModelsAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> Model.named(List.of("resnet-50")));
        assertTrue(e.getMessage().contains("resnet-50") && e.getMessage().contains("densenet-bc-40"), e.getMessage());
    }
}
