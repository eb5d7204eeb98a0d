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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
            assertEquals(i < 3 ? "allreduce" : "driver", row.get("engine").asText());
            assertEquals(new int[] {1, 5, 20}[i % 3], row.get("averaging_frequency").asInt());
            assertTrue(row.get("train_images_per_second").asDouble() > 0);
            assertTrue(row.get("averaging_share").asDouble() < 1, "share " + row.get("averaging_share"));
            assertTrue(row.get("averaging_seconds").asDouble() < row.get("round_seconds").asDouble());
        }
        String md = Files.readString(dir.resolve("train.md"));
        assertTrue(md.contains("| pattern | 128 | 421,642 |"), md);
        assertTrue(md.contains("| pattern | allreduce | 20 |") && md.contains("| pattern | driver | 20 |"), md);
    }

    @Test
    void repeatedRunsReportEachFiguresMedianAndKeepEveryRun() {
        var runs = List.of(run(100.0, 1.2, 900L, 300.0), run(90.0, 1.5, 800L, 310.0), run(120.0, 1.1, 700L, 280.0));
        Map<String, Object> medians = TrainBench.medians(runs);
        Map<String, Object> single = rows(medians, "single_process").get(0);
        assertEquals("densenet-bc-40", single.get("model"));
        assertEquals(100.0, single.get("train_images_per_second"));
        assertEquals(1.2, single.get("ratio_train_vs_torch"), "each run's own ratio, not a ratio of medians");
        assertEquals(900L, single.get("peak_rss_bytes"), "the first run's peak: later runs' JVM held more before");
        assertEquals(List.of(0.5), single.get("train_warmup_seconds"), "lists as the first run has them");
        Map<String, Object> spark = rows(medians, "spark_local").get(0);
        assertEquals(300.0, spark.get("train_images_per_second"));
        assertEquals(5, spark.get("averaging_frequency"));
        assertEquals(3, ((Map<?, ?>) medians.get("machine")).get("runs"));
        assertEquals(runs, medians.get("runs"));
        assertTrue(BenchTables.markdown(medians).contains("each figure the median of 3 runs"));
    }

    private static Map<String, Object> run(double rate, double ratio, long rss, double sparkRate) {
        Map<String, Object> single = new LinkedHashMap<>(Map.of("model", "densenet-bc-40", "batch", 64,
                "parameters", 181210L, "train_images_per_second", rate, "ratio_train_vs_torch", ratio,
                "peak_rss_bytes", rss, "train_warmup_seconds", List.of(rate / 200)));
        Map<String, Object> spark = new LinkedHashMap<>(Map.of("model", "densenet-bc-40", "engine", "allreduce",
                "averaging_frequency", 5, "round_seconds", 2.0, "averaging_seconds", 0.01, "averaging_share", 0.005,
                "train_images_per_second", sparkRate, "ratio_vs_one_process", sparkRate / rate));
        Map<String, Object> machine = new LinkedHashMap<>(Map.of("iterations", 10, "warmup", 15, "threads", 2));
        return new LinkedHashMap<>(Map.of("machine", machine, "single_process", List.of(single),
                "spark_local", List.of(spark)));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rows(Map<String, Object> result, String table) {
        return (List<Map<String, Object>>) result.get(table);
    }

    @Test
    void unknownModelsAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> Model.named(List.of("resnet-50")));
        assertTrue(e.getMessage().contains("resnet-50") && e.getMessage().contains("densenet-bc-40"), e.getMessage());
    }
}
