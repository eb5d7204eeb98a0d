package sparkcnn.jobs.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sparkcnn.driver.FashionMnist;
import sparkcnn.jobs.MainRunner;

/** Successive halving on real Fashion-MNIST in local mode: 4 trials, two at once, rungs at epochs 1, 2 and 4. */
class AshaSweepTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<Integer> RUNGS = List.of(1, 2, 4);

    @TempDir
    Path dir;

    @Test
    void stopsLosingTrialsAtTheirRungsAndContinuesTheWinnersFromTheirCheckpoints() throws Exception {
        FashionMnist.require();
        SweepTest.writeBase(dir);
        Path sweepDir = dir.resolve("asha");
        Path sweepFile = dir.resolve("asha.conf");
        Files.writeString(sweepFile, """
                sweep {
                  base = base.conf
                  dir = "%s"
                  keys { "train.optimizer.learning-rate" = [0.03, 0.01, 0.003, 0.0003] }
                  parallel = 2
                  scheduler = asha
                  asha { eta = 2, max-epochs = 4 }
                }
                """.formatted(sweepDir));
        var first = MainRunner.run("sweep", "--config", sweepFile.toString(), "--master", "local[2]");
        assertEquals(0, first.status(), first.err());
        assertTrue(first.out().contains("successive halving at epochs [1, 2, 4]"), first.out());

        List<String> rows = Files.readAllLines(sweepDir.resolve("leaderboard.csv"));
        assertEquals(5, rows.size(), String.join("\n", rows));
        String[] winner = rows.get(1).split(",");
        assertEquals("finished", winner[2], rows.get(1));
        assertEquals("2", winner[3], "the winner climbed every rung");
        assertTrue(first.out().contains("trained to the end: " + winner[1]), first.out());
        int used = 0;
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split(",");
            assertTrue(f[2].equals("finished") || f[2].equals("stopped"), row);
            int epochs = Integer.parseInt(f[10]); // one key: rank,trial,status,rung,key,best,epoch,acc,loss,loss,epochs
            // a trial trained exactly up to the last rung it reached, each epoch once
            assertEquals(RUNGS.get(Integer.parseInt(f[3])), epochs, row);
            assertEquals(epochNumbers(epochs), epochEvents(sweepDir.resolve(f[1])), row);
            used += epochs;
        }
        assertTrue(rows.stream().anyMatch(r -> r.split(",")[2].equals("stopped")), "no trial was stopped: " + rows);
        assertTrue(used < 4 * 4, used + " epochs: no fewer than without early stopping");
        assertTrue(first.out().contains("epochs trained: " + used + " of the 16"), first.out());

        // every promotion is recorded, and went to a trial in the top half of the rung below
        JsonNode asha = JSON.readTree(sweepDir.resolve("asha.json").toFile());
        assertEquals(JSON.valueToTree(RUNGS), asha.get("rungs"));
        assertEquals(4, countRung(asha.get("decisions"), 0));
        assertTrue(countRung(asha.get("decisions"), 1) >= 2 && countRung(asha.get("decisions"), 2) >= 1, asha.toString());

        // the plot and the page that shows it
        BufferedImage png = ImageIO.read(sweepDir.resolve("leaderboard.png").toFile());
        assertEquals(900, png.getWidth());
        String html = Files.readString(sweepDir.resolve("leaderboard.html"));
        assertTrue(html.contains("stopped at rung") && html.contains("data:image/png;base64,"), html);

        // the winner, paused at two rungs and continued from its checkpoints, trained exactly as one run
        String trial = winner[1];
        Path plain = dir.resolve("plain");
        var straight = MainRunner.run("train", "--config", sweepDir.resolve(trial + "/config.conf").toString(),
                "--set", "run.dir=" + plain, "--master", "local[2]");
        assertEquals(0, straight.status(), straight.err());
        assertEquals(testAccuracies(plain), testAccuracies(sweepDir.resolve(trial)));

        // killed after the winner trained its last rung but before the sweep recorded it: the job is
        // continued from its checkpoint, which trains nothing again
        ObjectNode edited = (ObjectNode) asha;
        ArrayNode results = (ArrayNode) edited.get("results");
        results.remove(results.size() - 1);
        Files.writeString(sweepDir.resolve("asha.json"), edited.toPrettyString());
        Files.delete(sweepDir.resolve(trial + "/trial.json"));
        var again = MainRunner.run("sweep", "--config", sweepFile.toString(), "--master", "local[2]");
        assertEquals(0, again.status(), again.err());
        assertTrue(again.out().contains("[" + trial + "] resuming"), again.out());
        assertEquals(epochNumbers(4), epochEvents(sweepDir.resolve(trial)));
        assertEquals(SweepTest.withoutSeconds(rows),
                SweepTest.withoutSeconds(Files.readAllLines(sweepDir.resolve("leaderboard.csv"))));

        // started once more: every decision was taken, nothing runs
        var third = MainRunner.run("sweep", "--config", sweepFile.toString(), "--master", "local[2]");
        assertEquals(0, third.status(), third.err());
        assertTrue(!third.out().contains("] starting") && !third.out().contains("] resuming"), third.out());
    }

    @Test
    void badTrialsAreRecordedAsSuchAndTheOthersRun() throws Exception {
        FashionMnist.require();
        SweepTest.writeBase(dir);
        Path sweepDir = dir.resolve("bad");
        Path sweepFile = dir.resolve("bad.conf");
        // F=4 with 'same' padding gives 27x27, which a 2x2/2 pool cannot halve; a rate multiplied by
        // 1e30 after 60% of the run overflows the weights in epoch 2
        Files.writeString(sweepFile, """
                sweep {
                  base = base.conf
                  dir = "%s"
                  keys {
                    "model.stages" = [[{ convs = 1, filters = 4, size = 3, pool = true }],
                                      [{ convs = 1, filters = 4, size = 4, pool = true }]]
                    "train.schedule.factor" = [0.1, 1e30]
                  }
                  set {
                    "train.epochs" = 2
                    "train.optimizer" = { updater = sgd, learning-rate = 0.05 }
                    "train.schedule" = { type = step, steps = [0.6] }
                  }
                }
                """.formatted(sweepDir));
        var run = MainRunner.run("sweep", "--config", sweepFile.toString(), "--master", "local[2]");
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("invalid, not run: trial-3"), run.out());
        List<String> rows = Files.readAllLines(sweepDir.resolve("leaderboard.csv"));
        assertTrue(rows.get(1).contains(",trial-1,finished,"), rows.get(1));
        assertTrue(rows.get(2).contains(",trial-2,diverged,"), rows.get(2));
        assertTrue(rows.get(3).contains(",trial-3,invalid,") && rows.get(4).contains(",trial-4,invalid,"), rows.toString());
        assertTrue(Files.readString(sweepDir.resolve("trial-3/trial.json")).contains("13.5 is not a whole number"));
        assertTrue(Files.readString(sweepDir.resolve("trial-2/trial.json")).contains("diverged in epoch 2"));
        // the diverged trial's first epoch counts, as its metrics.jsonl recorded it
        assertTrue(run.out().contains("epochs trained: 3 of the 4"), run.out());
    }

    @Test
    void rungsLongerThanTheTrialsFailBeforeSparkStarts() throws Exception {
        SweepTest.writeBase(dir); // train.epochs = 3
        Path sweepFile = dir.resolve("long.conf");
        Files.writeString(sweepFile, """
                sweep {
                  base = base.conf
                  dir = "%s"
                  keys { "train.optimizer.learning-rate" = [0.01, 0.001] }
                  scheduler = asha
                  asha.min-epochs = 4
                }
                """.formatted(dir.resolve("long")));
        // a master Spark cannot parse: had Spark started, that would be the error
        var run = MainRunner.run("sweep", "--config", sweepFile.toString(), "--master", "no-such-master://x");
        assertEquals(2, run.status(), run.err());
        assertTrue(run.err().contains("sweep.asha.min-epochs (4)") && run.err().contains("train.epochs, 3"), run.err());
        assertTrue(!Files.exists(dir.resolve("long")), "the sweep started");
    }

    private static List<Integer> epochNumbers(int epochs) {
        List<Integer> numbers = new ArrayList<>();
        for (int e = 1; e <= epochs; e++) {
            numbers.add(e);
        }
        return numbers;
    }

    private static List<Integer> epochEvents(Path run) throws Exception {
        return records(run).stream().map(r -> r.get("epoch").asInt()).toList();
    }

    private static Map<Integer, Double> testAccuracies(Path run) throws Exception {
        Map<Integer, Double> accuracies = new TreeMap<>();
        records(run).forEach(r -> accuracies.put(r.get("epoch").asInt(), r.get("test_accuracy").asDouble()));
        return accuracies;
    }

    private static List<JsonNode> records(Path run) throws Exception {
        List<JsonNode> epochs = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode r = JSON.readTree(line);
            if (r.get("event").asText().equals("epoch")) {
                epochs.add(r);
            }
        }
        return epochs;
    }

    private static long countRung(JsonNode decisions, int rung) {
        long n = 0;
        for (JsonNode d : decisions) {
            n += d.get("rung").asInt() == rung ? 1 : 0;
        }
        return n;
    }
}
