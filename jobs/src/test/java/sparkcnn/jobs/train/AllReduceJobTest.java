package sparkcnn.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sparkcnn.driver.FashionMnist;
import sparkcnn.jobs.MainRunner;

/** train.engine = allreduce as users run it: the same training as the driver's averaging, and its bad input. */
class AllReduceJobTest {

    private static MainRunner.Run train(Path run, String config, String engine, String... sets) {
        List<String> args = new ArrayList<>(List.of("train", "--config", config, "--master", "local[2]",
                "--set", "run.dir=" + run, "--set", "train.engine=" + engine));
        for (String set : sets) {
            args.addAll(List.of("--set", set));
        }
        return MainRunner.run(args.toArray(String[]::new));
    }

    private static double lastAccuracy(Path run) throws Exception {
        return ResumeTest.field(run, (int) ResumeTest.epochLines(run), "test_accuracy");
    }

    @Test
    void theMainJobAndDenseNetTrainAsUnderTheDriversAveraging(@TempDir Path dir) throws Exception {
        FashionMnist.require();
        String[] main = {"data.train.limit=3000", "data.test.limit=1000", "train.epochs=2"};
        String[] denseNet = {"data.train.limit=640", "data.test.limit=200", "train.epochs=1", "model.depth=16"};
        for (var job : List.of(new Object[] {"../conf/fashion-mnist-cnn.conf", main, 0.002},
                new Object[] {"../conf/fashion-mnist-densenet-bc.conf", denseNet, 0.02})) {
            String config = (String) job[0];
            Path ring = dir.resolve("ring-" + config.hashCode());
            Path driver = dir.resolve("driver-" + config.hashCode());
            var a = train(ring, config, "allreduce", (String[]) job[1]);
            assertEquals(0, a.status(), a.err());
            var d = train(driver, config, "driver", (String[]) job[1]);
            assertEquals(0, d.status(), d.err());
            assertEquals(lastAccuracy(driver), lastAccuracy(ring), (double) job[2], config);
            assertEquals(ResumeTest.field(driver, 1, "train_loss"), ResumeTest.field(ring, 1, "train_loss"), 1e-3,
                    config);
        }
    }

    @Test
    void moreWorkersThanTaskSlotsAreRefusedBeforeTheRunDirectoryIsWritten(@TempDir Path dir) throws Exception {
        FashionMnist.require();
        Path run = dir.resolve("run");
        long t0 = System.nanoTime();
        var refused = train(run, "../conf/fashion-mnist-cnn.conf", "allreduce", "train.workers=3",
                "data.train.limit=600", "data.test.limit=200", "train.epochs=1");
        assertEquals(2, refused.status(), refused.out() + refused.err());
        assertTrue(refused.err().contains("train.workers = 3") && refused.err().contains("2 task slots"),
                refused.err());
        assertTrue(System.nanoTime() - t0 < 60_000_000_000L, "took " + (System.nanoTime() - t0) / 1e9 + " s");

        // the same command with as many workers as slots starts the run: nothing to overwrite or resume
        var started = train(run, "../conf/fashion-mnist-cnn.conf", "allreduce", "train.workers=2",
                "data.train.limit=600", "data.test.limit=200", "train.epochs=1");
        assertEquals(0, started.status(), started.err());
        assertEquals(1, ResumeTest.epochLines(run));
    }
}
