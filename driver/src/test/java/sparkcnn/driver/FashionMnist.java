package sparkcnn.driver;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The real Fashion-MNIST files of Debian's dataset-fashion-mnist package (.ci/run installs it). */
public final class FashionMnist {
    public static final Path DIR = Path.of("/usr/share/datasets/fashion-mnist");
    public static final String TRAIN_IMAGES = DIR.resolve("train-images-idx3-ubyte.gz").toString();
    public static final String TRAIN_LABELS = DIR.resolve("train-labels-idx1-ubyte.gz").toString();
    public static final String TEST_IMAGES = DIR.resolve("t10k-images-idx3-ubyte.gz").toString();
    public static final String TEST_LABELS = DIR.resolve("t10k-labels-idx1-ubyte.gz").toString();

    private FashionMnist() {
    }

    /** Fails loudly in CI, where the package must be installed; explains what to install elsewhere. */
    public static void require() {
        boolean present = Files.isReadable(Path.of(TRAIN_IMAGES));
        if (System.getenv("CI") != null && !present) {
            throw new IllegalStateException("Fashion-MNIST missing in CI: apt-get install dataset-fashion-mnist");
        }
        assumeTrue(present, "needs Debian's dataset-fashion-mnist package: apt-get install dataset-fashion-mnist");
    }
}
