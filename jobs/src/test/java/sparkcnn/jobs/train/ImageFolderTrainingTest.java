package sparkcnn.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sparkcnn.driver.Hdfs;
import sparkcnn.driver.data.SyntheticImageFolder;
import sparkcnn.jobs.MainRunner;

/** The train command end to end on an ImageFolder data set in a real HDFS, writing its run to HDFS too. */
class ImageFolderTrainingTest {
    @TempDir
    static File base;
    static Hdfs hdfs;

    @BeforeAll
    static void start() {
        hdfs = new Hdfs(new File(base, "hdfs"));
        SyntheticImageFolder.write(hdfs.uri() + "/shapes/train", hdfs.conf(), 3, 40, 24, 2, 1);
        SyntheticImageFolder.write(hdfs.uri() + "/shapes/test", hdfs.conf(), 3, 12, 24, 1, 2);
    }

    @AfterAll
    static void stop() {
        if (hdfs != null) {
            hdfs.close();
        }
    }

    @Test
    void aPatternNetLearnsImagesFromHdfs() throws IOException {
        String run = hdfs.uri() + "/runs/shapes";
        var result = MainRunner.run("train", "--master", "local[2]",
                "--set", "run.dir=" + run,
                "--set", "spark.app-name=imagefolder-training-test",
                "--set", "data.format=imagefolder",
                "--set", "data.train.root=" + hdfs.uri() + "/shapes/train",
                "--set", "data.test.root=" + hdfs.uri() + "/shapes/test",
                "--set", "data.augmentation=cifar",
                "--set", "data.normalize=true",
                "--set", "model.input=32x32x3",
                "--set", "model.classes=3",
                "--set", "model.stages=[{convs=1, filters=8, size=3, pool=true}, {convs=1, filters=16, size=3, pool=true}]",
                "--set", "model.hidden=[32]",
                "--set", "train.epochs=6",
                "--set", "train.batch-size-per-worker=12",
                "--set", "train.averaging-frequency=1",
                "--set", "train.optimizer.learning-rate=0.005");
        assertEquals(0, result.status(), result.err());

        FileSystem fs = new Path(run).getFileSystem(hdfs.conf());
        List<String> metrics = read(fs, run + "/metrics.jsonl").lines()
                .filter(l -> l.contains("\"event\":\"epoch\"")).toList();
        assertEquals(6, metrics.size());
        double accuracy = new ObjectMapper().readTree(metrics.get(5)).get("test_accuracy").asDouble();
        assertTrue(accuracy > 0.6, "accuracy " + accuracy + " on 3 classes; " + result.out());
        assertEquals("class00\nclass01\nclass02\n", read(fs, run + "/classes.txt"));
        assertTrue(read(fs, run + "/normalization.json").contains("\"mean\""));
        // the 2 corrupt training files and the corrupt test file were skipped and named
        String bad = read(fs, run + "/bad-images.txt");
        assertEquals(2, bad.lines().filter(l -> l.startsWith("train: ") && l.contains("corrupt")).count(), bad);
        assertEquals(1, bad.lines().filter(l -> l.startsWith("test: ") && l.contains("corrupt")).count(), bad);
        assertTrue(fs.exists(new Path(run + "/model.zip")));
        assertTrue(fs.exists(new Path(run + "/report.html")) && fs.exists(new Path(run + "/checkpoints/LATEST")));
    }

    private static String read(FileSystem fs, String path) throws IOException {
        try (InputStream in = fs.open(new Path(path))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
