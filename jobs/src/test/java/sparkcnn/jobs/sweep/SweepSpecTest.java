package sparkcnn.jobs.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepSpecTest {
    @TempDir
    Path dir;

    private File sweep(String body) throws Exception {
        Files.writeString(dir.resolve("base.conf"), "train.epochs = 1\n");
        Path file = dir.resolve("sweep.conf");
        Files.writeString(file, "sweep {\n base = base.conf\n" + body + "\n}\n");
        return file.toFile();
    }

    @Test
    void gridTakesEveryCombinationLastKeyFastest() throws Exception {
        SweepSpec spec = SweepSpec.load(sweep("""
                keys { "train.optimizer.learning-rate" = [0.1, 0.01], "train.averaging-frequency" = [1, 5, 20] }
                """));
        assertEquals(6, spec.trials().size());
        assertEquals(List.of("train.averaging-frequency", "train.optimizer.learning-rate"), spec.keys());
        assertEquals("trial-1", spec.trials().get(0).name());
        assertEquals("1", spec.trials().get(0).valueTexts().get("train.averaging-frequency"));
        assertEquals("0.01", spec.trials().get(1).valueTexts().get("train.optimizer.learning-rate"));
        assertEquals(6, spec.trials().stream().map(Trial::valueTexts).distinct().count());
        assertEquals(dir.resolve("base.conf").toFile().getAbsoluteFile(), spec.base());
        // the values land at their config paths, on top of the common keys
        var overrides = spec.trials().get(5).overrides(spec.common());
        assertEquals(20, overrides.getInt("train.averaging-frequency"));
        assertEquals(0.01, overrides.getDouble("train.optimizer.learning-rate"));
    }

    @Test
    void randomSearchIsReproducibleAndStaysInItsRanges() throws Exception {
        String body = """
                search = random
                trials = 20
                seed = 3
                keys {
                  "train.optimizer.learning-rate" = { log-uniform = [0.0001, 0.01] }
                  "model.compression" = { uniform = [0.4, 0.6] }
                  "model.growth-rate" = { int-uniform = [8, 12] }
                  "train.batch-size-per-worker" = [32, 64]
                }
                """;
        SweepSpec first = SweepSpec.load(sweep(body));
        SweepSpec again = SweepSpec.load(sweep(body));
        assertEquals(first.trials(), again.trials());
        for (Trial t : first.trials()) {
            var c = t.overrides(first.common());
            double rate = c.getDouble("train.optimizer.learning-rate");
            assertTrue(rate >= 0.0001 && rate <= 0.01, "rate " + rate);
            double theta = c.getDouble("model.compression");
            assertTrue(theta >= 0.4 && theta <= 0.6, "theta " + theta);
            int k = c.getInt("model.growth-rate");
            assertTrue(k >= 8 && k <= 12, "k " + k);
        }
        Set<Integer> batches = first.trials().stream()
                .map(t -> t.overrides(first.common()).getInt("train.batch-size-per-worker")).collect(Collectors.toSet());
        assertEquals(Set.of(32, 64), batches);
        SweepSpec otherSeed = SweepSpec.load(sweep(body.replace("seed = 3", "seed = 4")));
        assertNotEquals(first.trials(), otherSeed.trials());
    }

    @Test
    void aGermanLocaleNeitherBreaksRandomSearchNorPutsCommasInTheLeaderboard() throws Exception {
        java.util.Locale before = java.util.Locale.getDefault();
        java.util.Locale.setDefault(java.util.Locale.GERMANY); // formats 0.5 as "0,5"
        try {
            SweepSpec spec = SweepSpec.load(sweep("""
                    search = random
                    trials = 3
                    keys { "train.optimizer.learning-rate" = { log-uniform = [0.0001, 0.01] } }
                    """));
            var trial = spec.trials().get(0);
            double rate = trial.overrides(spec.common()).getDouble("train.optimizer.learning-rate");
            var outcome = new TrialOutcome(trial.name(), trial.valueTexts(), TrialOutcome.Status.FINISHED, "", -1,
                    List.of(new EpochScore(1, 0.8125, 0.625, 0.9, 0.5), new EpochScore(2, 0.75, 0.7, 0.9, 0.25)),
                    12.5, "runs/t1");
            String csv = new Leaderboard(spec.keys(), List.of(outcome), spec.objective(), null, 2).csv();
            String row = csv.lines().toList().get(1);
            assertTrue(row.contains(",0.8125,1,0.7500,0.7000,0.2500,2,12.5,"), row);
            assertTrue(row.contains("," + trial.valueTexts().get("train.optimizer.learning-rate") + ","), row);
            assertEquals(rate, Double.parseDouble(trial.valueTexts().get("train.optimizer.learning-rate")));
        } finally {
            java.util.Locale.setDefault(before);
        }
    }

    @Test
    void badSweepFilesNameTheirMistake() throws Exception {
        var unknown = assertThrows(ConfigException.class, () -> SweepSpec.load(sweep("""
                keys { "train.epochs" = [1] }
                paralel = 2
                """)));
        assertTrue(unknown.getMessage().contains("sweep.paralel"), unknown.getMessage());
        var empty = assertThrows(ConfigException.class, () -> SweepSpec.load(sweep("keys {}")));
        assertTrue(empty.getMessage().contains("sweep.keys"), empty.getMessage());
        var range = assertThrows(ConfigException.class, () -> SweepSpec.load(sweep("""
                search = random
                keys { "train.optimizer.learning-rate" = { log-uniform = [0, 1] } }
                """)));
        assertTrue(range.getMessage().contains("train.optimizer.learning-rate"), range.getMessage());
        var gridRange = assertThrows(ConfigException.class, () -> SweepSpec.load(sweep("""
                keys { "train.optimizer.learning-rate" = { uniform = [0.1, 1] } }
                """)));
        assertTrue(gridRange.getMessage().contains("grid search takes a list"), gridRange.getMessage());
    }

    @Test
    void ashaReadsItsKeysAndRefusesWhatCannotWork() throws Exception {
        String keys = "keys { \"train.optimizer.learning-rate\" = [0.1, 0.01] }\n";
        SweepSpec asha = SweepSpec.load(sweep(keys + "scheduler = asha\nmetric = test-loss\nasha { eta = 4, max-epochs = 16 }"));
        assertEquals(new Rungs(4, 1, 16), asha.asha());
        assertEquals(List.of(1, 4, 16), asha.asha().epochs());
        assertEquals(new Objective(Objective.Metric.TEST_LOSS, false), asha.objective());
        assertEquals(null, SweepSpec.load(sweep(keys)).asha());
        assertEquals(Objective.TEST_ACCURACY, SweepSpec.load(sweep(keys)).objective());

        for (var bad : List.of(
                List.of("scheduler = hyperband", "sweep.scheduler"),
                List.of("metric = val-accuracy", "sweep.metric"),
                List.of("mode = maximum", "sweep.mode"),
                List.of("scheduler = asha\nasha.eta = 1", "sweep.asha.eta"),
                List.of("scheduler = asha\nasha { min-epochs = 4, max-epochs = 2 }", "sweep.asha.min-epochs"),
                List.of("scheduler = asha\nasha.grace = 2", "sweep.asha.grace"),
                List.of("rank-by = best-test-accuracy", "sweep.metric"))) {
            var e = assertThrows(ConfigException.class, () -> SweepSpec.load(sweep(keys + bad.get(0))), bad.get(0));
            assertTrue(e.getMessage().contains(bad.get(1)), bad.get(0) + ": " + e.getMessage());
        }
        var epochs = assertThrows(ConfigException.class, () -> SweepSpec.load(sweep(
                "keys { \"train.epochs\" = [2, 4] }\nscheduler = asha")));
        assertTrue(epochs.getMessage().contains("sweep.asha.max-epochs"), epochs.getMessage());
        var top5 = assertThrows(ConfigException.class,
                () -> Objective.parse("test-top5-accuracy", "auto").requireRecordedFor(2));
        assertTrue(top5.getMessage().contains("sweep.metric") && top5.getMessage().contains("model.classes = 2"),
                top5.getMessage());
        Objective.parse("test-top5-accuracy", "auto").requireRecordedFor(10);
        var unresolved = assertThrows(ConfigException.class, () -> new Rungs(3, 4, 0).resolve(2));
        assertTrue(unresolved.getMessage().contains("train.epochs, 2"), unresolved.getMessage());
    }
}
