package sparkcnn.jobs.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sparkcnn.driver.FashionMnist;
import sparkcnn.driver.data.IdxFile;
import sparkcnn.jobs.MainRunner;

/** train --init-from: a Fashion-MNIST model (10 classes) fine-tuned to a 2-class image folder, its first stage frozen. */
class FineTuneTest {

    @Test
    void aTenClassModelFineTunesToTwoClassesWithItsFirstStageFrozen(@TempDir Path dir) throws Exception {
        Path base = sparkcnn.jobs.TrainedRun.mainJobOneEpoch(); // read only: --init-from copies its weights
        Path folder = twoClassFolder(dir.resolve("shirts-or-trousers"));

        Path tuned = dir.resolve("tuned");
        var fineTuned = MainRunner.run("train", "--config", "../conf/fashion-mnist-cnn.conf", "--master", "local[2]",
                "--init-from", base.toString(), "--set", "run.dir=" + tuned, "--set", "data.format=imagefolder",
                "--set", "data.train.root=" + folder.resolve("train"), "--set", "data.test.root=" + folder.resolve("test"),
                "--set", "model.classes=2", "--set", "train.freeze-until=stage1_pool", "--set", "train.epochs=2",
                "--set", "train.batch-size-per-worker=8", "--set", "train.averaging-frequency=2");
        assertEquals(0, fineTuned.status(), fineTuned.err());
        assertTrue(Files.readString(tuned.resolve("config.conf")).contains(base.toString()), "the run records its start");

        ComputationGraph before = ModelSerializer.restoreComputationGraph(base.resolve("model.zip").toFile(), false);
        ComputationGraph after = ModelSerializer.restoreComputationGraph(tuned.resolve("model.zip").toFile(), false);
        assertEquals(2, ((FeedForwardLayer) after.getOutputLayer(0).conf().getLayer()).getNOut());
        // the frozen stage kept every weight bit for bit; the next stage trained
        assertArrayEquals(flat(before, "stage1_conv1"), flat(after, "stage1_conv1"));
        assertFalse(Arrays.equals(flat(before, "stage2_conv1"), flat(after, "stage2_conv1")), "stage 2 did not train");
    }

    private static float[] flat(ComputationGraph graph, String layer) {
        var params = graph.getLayer(layer).params();
        return params.dup('c').reshape(params.length()).toFloatVector();
    }

    /** Fashion-MNIST test images of T-shirts (0) and trousers (1) as grey PNGs in class folders. */
    private static Path twoClassFolder(Path root) throws Exception {
        var conf = new Configuration();
        var images = IdxFile.open(FashionMnist.TEST_IMAGES, conf);
        var labels = IdxFile.open(FashionMnist.TEST_LABELS, conf);
        byte[] pixels = images.read(conf, 0, 400);
        byte[] classes = labels.read(conf, 0, 400);
        int[] written = new int[2];
        for (int i = 0; i < 400; i++) {
            int label = classes[i];
            if (label > 1 || written[label] >= 50) {
                continue;
            }
            String split = written[label] < 40 ? "train" : "test";
            Path file = root.resolve(split).resolve(label == 0 ? "tshirt" : "trouser").resolve("img" + i + ".png");
            Files.createDirectories(file.getParent());
            var image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            image.getRaster().setDataElements(0, 0, 28, 28, Arrays.copyOfRange(pixels, i * 784, (i + 1) * 784));
            ImageIO.write(image, "png", file.toFile());
            written[label]++;
        }
        return root;
    }
}
