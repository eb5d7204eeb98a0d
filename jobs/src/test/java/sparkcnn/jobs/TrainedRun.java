package sparkcnn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import sparkcnn.driver.FashionMnist;

/**
 * The main job's net trained for one epoch on 3,000 Fashion-MNIST images (500 to test), once per
 * test JVM, for the tests that only read a trained run (predict, export-model): each would
 * otherwise train the same run again. Nothing may write into it.
 */
public final class TrainedRun {
    private static Path run;

    private TrainedRun() {
    }

    public static synchronized Path mainJobOneEpoch() {
        if (run == null) {
            FashionMnist.require();
            try {
                run = Files.createTempDirectory("sparkcnn-trained-run").resolve("run");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            var trained = MainRunner.run("train", "--config", "../conf/fashion-mnist-cnn.conf", "--master", "local[2]",
                    "--set", "run.dir=" + run, "--set", "data.train.limit=3000", "--set", "data.test.limit=500",
                    "--set", "train.epochs=1");
            assertEquals(0, trained.status(), trained.err());
        }
        return run;
    }
}
