package sparkcnn.jobs.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sparkcnn.driver.FashionMnist;
import sparkcnn.jobs.MainRunner;

/** A 2 x 2 grid sweep on real Fashion-MNIST in local mode, two trials at once; then started again. */
public class SweepTest {
    @TempDir
    Path dir;

    @Test
    void gridSweepRanksItsTrialsAndSkipsThemWhenStartedAgain() throws Exception {
        FashionMnist.require();
        Path sweepDir = dir.resolve("sweep");
        Path sweepFile = writeSweep(sweepDir, "[0.01, 0.003]");

        var first = MainRunner.run("sweep", "--config", sweepFile.toString(), "--master", "local[2]");
        assertEquals(0, first.status(), first.err());
        assertTrue(first.out().contains("4 trials"), first.out());
        assertTrue(first.out().contains("0 finished before, 4 to run, 2 at once"), first.out());

        List<String> rows = Files.readAllLines(sweepDir.resolve("leaderboard.csv"));
        assertEquals("rank,trial,status,rung,train.averaging-frequency,train.optimizer.learning-rate,best_test_accuracy,"
                + "best_epoch,final_test_accuracy,final_test_loss,final_train_loss,epochs,seconds,run_dir",
                rows.get(0));
        assertEquals(5, rows.size(), String.join("\n", rows));
        double previous = Double.MAX_VALUE;
        Map<String, String> valuesByTrial = new LinkedHashMap<>();
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split(",");
            assertEquals("finished", f[2], row);
            double best = Double.parseDouble(f[6]);
            assertTrue(best <= previous, "not ranked best first: " + rows);
            assertTrue(best > 0 && best <= 1, row);
            previous = best;
            valuesByTrial.put(f[1], f[4] + "," + f[5]);
            // each trial trained in its own run directory, with the values the leaderboard names
            Path trial = sweepDir.resolve(f[1]);
            String config = Files.readString(trial.resolve("config.conf"));
            assertTrue(config.contains("averaging-frequency=" + f[4] + "\n"), config);
            assertEquals(1, Files.readAllLines(trial.resolve("metrics.jsonl")).stream()
                    .filter(l -> l.contains("\"event\":\"epoch\"")).count());
        }
        assertTrue(Double.parseDouble(rows.get(1).split(",")[6]) > 0.4, "the best trial is near chance: " + rows);
        // every point of the grid, once
        assertEquals(4, valuesByTrial.values().stream().distinct().count(), valuesByTrial.toString());
        String html = Files.readString(sweepDir.resolve("leaderboard.html"));
        assertEquals(5, html.split("<tr").length - 1, html);
        assertTrue(html.contains("href=\"trial-1/report.html\""), html);

        // started again: nothing runs, nothing is rewritten but the leaderboard
        List<FileTime> before = trialFileTimes(sweepDir);
        var second = MainRunner.run("sweep", "--config", sweepFile.toString(), "--master", "local[2]");
        assertEquals(0, second.status(), second.err());
        assertTrue(second.out().contains("4 finished before, 0 to run"), second.out());
        assertEquals(before, trialFileTimes(sweepDir));
        assertEquals(rows, Files.readAllLines(sweepDir.resolve("leaderboard.csv")));

        // an edited grid that reuses the directory is refused, naming the trial it would overwrite
        writeSweep(sweepDir, "[0.02, 0.003]");
        var edited = MainRunner.run("sweep", "--config", sweepFile.toString(), "--master", "local[2]");
        assertEquals(2, edited.status());
        assertTrue(edited.err().contains("trial-1") && edited.err().contains("new sweep.dir"), edited.err());

        // trial-2 as a kill leaves it: trained and checkpointed, but no trial.json yet. Its job is
        // compared all the same, and so are edits to the base job and --set, not only sweep values.
        writeSweep(sweepDir, "[0.01, 0.003]");
        Files.delete(sweepDir.resolve("trial-2/trial.json"));
        var changedBase = MainRunner.run("sweep", "--config", sweepFile.toString(), "--master", "local[2]",
                "--set", "train.optimizer.momentum=0.5");
        assertEquals(2, changedBase.status(), changedBase.out());
        assertTrue(changedBase.err().contains("train.optimizer.momentum"), changedBase.err());
        Files.writeString(dir.resolve("base.conf"), Files.readString(dir.resolve("base.conf"))
                .replace("filters = 4", "filters = 5"));
        var editedBase = MainRunner.run("sweep", "--config", sweepFile.toString(), "--master", "local[2]");
        assertEquals(2, editedBase.status(), editedBase.out());
        assertTrue(editedBase.err().contains("model.stages"), editedBase.err());
        assertFalse(Files.exists(sweepDir.resolve("trial-2/trial.json")), "nothing ran");

        // unedited, the interrupted trial resumes from its checkpoint and is done
        writeSweep(sweepDir, "[0.01, 0.003]");
        var resumed = MainRunner.run("sweep", "--config", sweepFile.toString(), "--master", "local[2]");
        assertEquals(0, resumed.status(), resumed.err());
        assertTrue(resumed.out().contains("3 finished before, 1 to run"), resumed.out());
        assertTrue(Files.readString(sweepDir.resolve("trial-2/trial.json")).contains("\"finished\""));
        assertEquals(withoutSeconds(rows), withoutSeconds(Files.readAllLines(sweepDir.resolve("leaderboard.csv"))),
                "the same ranking and accuracies");
    }

    @Test
    void anUnknownKeyFailsBeforeAnyTrialStarts() throws Exception {
        Path sweepFile = writeSweep(dir.resolve("sweep"), "[0.01]").resolveSibling("sweep.conf");
        Files.writeString(sweepFile, Files.readString(sweepFile).replace("train.averaging-frequency",
                "train.averaging-frequncy"));
        var run = MainRunner.run("sweep", "--config", sweepFile.toString(), "--master", "local[2]");
        assertEquals(2, run.status());
        assertTrue(run.err().contains("train.averaging-frequncy") && run.err().contains("train.averaging-frequency"),
                run.err());
        assertTrue(!Files.exists(dir.resolve("sweep")), "a trial started");
    }

    private Path writeSweep(Path sweepDir, String rates) throws Exception {
        writeBase(dir);
        Path file = dir.resolve("sweep.conf");
        Files.writeString(file, """
                sweep {
                  base = base.conf
                  dir = "%s"
                  keys {
                    "train.optimizer.learning-rate" = %s
                    "train.averaging-frequency" = [1, 4]
                  }
                  set { "train.epochs" = 1 }
                  parallel = 2
                }
                """.formatted(sweepDir, rates));
        return file;
    }

    /** Leaderboard rows without their seconds column (a resumed trial took another time). */
    static List<String> withoutSeconds(List<String> rows) {
        int seconds = List.of(rows.get(0).split(",")).indexOf("seconds");
        return rows.stream().map(r -> {
            List<String> fields = new ArrayList<>(List.of(r.split(",")));
            fields.remove(seconds);
            return String.join(",", fields);
        }).toList();
    }

    private static List<FileTime> trialFileTimes(Path sweepDir) throws Exception {
        List<FileTime> times = new ArrayList<>();
        try (var files = Files.walk(sweepDir)) {
            for (Path p : files.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("leaderboard"))
                    .filter(p -> !p.getFileName().toString().equals("sweep.conf"))
                    .filter(p -> !p.getFileName().toString().equals("sweep.lock")).sorted().toList()) {
                times.add(Files.getLastModifiedTime(p));
            }
        }
        return times;
    }

    /** The base job of the sweeps in these tests: a small pattern net on 1,200 Fashion-MNIST images, 500 to test. */
    public static Path writeBase(Path dir) throws Exception {
        Path base = dir.resolve("base.conf");
        Files.writeString(base, """
                run.dir = "%s/unused"
                data {
                  format = idx
                  train { images = "%s", labels = "%s", limit = 1200 }
                  test { images = "%s", labels = "%s", limit = 500 }
                }
                model {
                  type = pattern
                  stages = [{ convs = 1, filters = 4, size = 3, pool = true }]
                  hidden = [16]
                }
                train { epochs = 3, workers = 2, batch-size-per-worker = 50, checkpoint-every-rounds = 0 }
                """.formatted(dir, FashionMnist.TRAIN_IMAGES, FashionMnist.TRAIN_LABELS, FashionMnist.TEST_IMAGES,
                FashionMnist.TEST_LABELS));
        return base;
    }
}
