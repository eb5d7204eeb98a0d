package sparkcnn.driver.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;
import sparkcnn.driver.FashionMnist;
import sparkcnn.driver.LocalSpark;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.data.ExampleBlock;

class IdxFileTest {
    private static final Configuration CONF = new Configuration();
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        FashionMnist.require();
        sc = LocalSpark.start("idx-test");
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
    }

    @Test
    void readsTheRealFashionMnistHeadersAndLabels() {
        IdxFile images = IdxFile.open(FashionMnist.TRAIN_IMAGES, CONF);
        IdxFile labels = IdxFile.open(FashionMnist.TRAIN_LABELS, CONF);
        assertTrue(images.gzipped());
        assertArrayEquals(new int[] {60000, 28, 28}, images.dims());
        assertEquals(784, images.recordBytes());
        assertEquals(60000, labels.count());
        // The first ten training labels: ankle boot, T-shirt, T-shirt, dress, T-shirt, pullover, sneaker, ...
        assertArrayEquals(new byte[] {9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, labels.read(CONF, 0, 10));
        assertEquals(10000, IdxFile.open(FashionMnist.TEST_IMAGES, CONF).count());
    }

    @Test
    void aPlainCopyReadsTheSameRecordsAsTheGzippedFile(@TempDir Path dir) throws IOException {
        Path plain = dir.resolve("t10k-images-idx3-ubyte");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(Path.of(FashionMnist.TEST_IMAGES)))) {
            Files.copy(in, plain);
        }
        IdxFile gz = IdxFile.open(FashionMnist.TEST_IMAGES, CONF);
        IdxFile raw = IdxFile.open("file://" + plain, CONF);
        assertFalse(raw.gzipped());
        assertArrayEquals(gz.dims(), raw.dims());
        assertArrayEquals(gz.read(CONF, 9990, 10), raw.read(CONF, 9990, 10));
        assertArrayEquals(gz.read(CONF, 1234, 3), raw.read(CONF, 1234, 3));
    }

    @Test
    void executorsReadEveryExampleExactlyOnce() {
        var source = new IdxDataSource(FashionMnist.TEST_IMAGES, FashionMnist.TEST_LABELS, new HadoopConf(CONF));
        assertEquals(new Volume(28, 28, 1), source.shape());
        var blocks = source.blocks(sc, 3);
        assertEquals(3, blocks.getNumPartitions());
        long examples = blocks.map(ExampleBlock::size).reduce(Integer::sum);
        assertEquals(10000, examples);
        long idSum = blocks.map(b -> java.util.Arrays.stream(b.ids()).sum()).reduce(Long::sum);
        assertEquals(10000L * 9999 / 2, idSum, "ids 0..9999 each once");
        // Fashion-MNIST's test set has exactly 1000 images of each class
        Map<Integer, Long> perClass = blocks
                .flatMap(b -> java.util.Arrays.stream(b.labels()).boxed().iterator())
                .mapToPair(label -> new Tuple2<>(label, 1L)).reduceByKey(Long::sum).collectAsMap();
        assertEquals(10, perClass.size());
        perClass.values().forEach(n -> assertEquals(1000L, n));
    }

    @Test
    void aMissingFileIsAnErrorThatNamesThePath() {
        var e = assertThrows(DataException.class,
                () -> new IdxDataSource("/no/such/dir/train-images-idx3-ubyte.gz", FashionMnist.TRAIN_LABELS,
                        new HadoopConf(CONF)));
        assertTrue(e.getMessage().contains("/no/such/dir/train-images-idx3-ubyte.gz"), e.getMessage());
    }

    @Test
    void imagesAndLabelsOfDifferentSetsAreRejected() {
        var e = assertThrows(DataException.class,
                () -> new IdxDataSource(FashionMnist.TRAIN_IMAGES, FashionMnist.TEST_LABELS, new HadoopConf(CONF)));
        assertTrue(e.getMessage().contains("60000 images") && e.getMessage().contains("10000 labels"), e.getMessage());
    }

    @Test
    void aFileWhoseSizeDisagreesWithItsHeaderIsNamedWhenOpened(@TempDir Path dir) throws IOException {
        Path cut = dir.resolve("cut-labels-idx1-ubyte");
        byte[] header = {0, 0, 8, 1, 0, 0, 0, 100};
        Files.write(cut, java.util.Arrays.copyOf(header, header.length + 10));
        var e = assertThrows(DataException.class, () -> IdxFile.open(cut.toString(), CONF));
        assertTrue(e.getMessage().contains(cut.toString()) && e.getMessage().contains("100 records"), e.getMessage());

        // the same in a gzip file: its trailer says how long it is uncompressed
        Path gz = dir.resolve("cut-labels-idx1-ubyte.gz");
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(java.util.Arrays.copyOf(header, header.length + 10));
        }
        e = assertThrows(DataException.class, () -> IdxFile.open(gz.toString(), CONF));
        assertTrue(e.getMessage().contains(gz.toString()) && e.getMessage().contains("gzip"), e.getMessage());

        // a header that says 0 records would train on nothing and report NaN
        Path empty = dir.resolve("empty-labels-idx1-ubyte");
        Files.write(empty, new byte[] {0, 0, 8, 1, 0, 0, 0, 0});
        e = assertThrows(DataException.class, () -> IdxFile.open(empty.toString(), CONF));
        assertTrue(e.getMessage().contains("no records") && e.getMessage().contains(empty.toString()), e.getMessage());
    }

    @Test
    void aNamedPipeGivenAsAnIdxFileIsRefusedWithoutReadingIt(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("train-images-idx3-ubyte");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        // opening a pipe for reading blocks until a writer comes: the check must not open it
        var e = assertTimeoutPreemptively(java.time.Duration.ofSeconds(30),
                () -> assertThrows(DataException.class, () -> IdxFile.open(fifo.toString(), CONF)));
        assertTrue(e.getMessage().contains("not a regular file") && e.getMessage().contains(fifo.toString()),
                e.getMessage());
    }
}
