package sparkcnn.driver.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sparkcnn.driver.LocalSpark;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.kernels.data.ExampleBlock;

/** CIFAR binaries in the real byte layout: label byte(s), then the R, G and B 32x32 planes. */
class CifarSourceTest {
    private static final HadoopConf CONF = new HadoopConf(new Configuration());
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = LocalSpark.start("cifar-test");
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    /** Record i: label (i*7) % classes; pixel p of record i = (i + p) mod 256, red plane first. */
    static byte[] records(int first, int n, int labelBytes, int classes) {
        int size = labelBytes + 3072;
        byte[] bytes = new byte[n * size];
        for (int r = 0; r < n; r++) {
            int i = first + r;
            if (labelBytes == 2) {
                bytes[r * size] = (byte) (i % 20); // coarse
            }
            bytes[r * size + labelBytes - 1] = (byte) ((i * 7) % classes);
            for (int p = 0; p < 3072; p++) {
                bytes[r * size + labelBytes + p] = (byte) (i + p);
            }
        }
        return bytes;
    }

    @Test
    void readsCifar10RecordsAcrossFilesIntoBalancedShards(@TempDir Path dir) throws IOException {
        Path one = Files.write(dir.resolve("data_batch_1.bin"), records(0, 5, 1, 10));
        Path two = Files.write(dir.resolve("data_batch_2.bin"), records(5, 6, 1, 10));
        var source = new CifarSource(List.of(one.toString(), two.toString()), false, CONF);
        assertEquals(11, source.count());
        List<ExampleBlock> blocks = source.blocks(sc, 3).collect();
        assertEquals(List.of(3, 4, 4), blocks.stream().map(ExampleBlock::size).toList());
        for (ExampleBlock b : blocks) {
            for (int k = 0; k < b.size(); k++) {
                int i = (int) b.ids()[k];
                assertEquals((i * 7) % 10, b.labels()[k]);
                assertEquals((byte) i, b.pixels()[k * 3072]);                // red (0,0)
                assertEquals((byte) (i + 1024), b.pixels()[k * 3072 + 1024]); // green (0,0)
                assertEquals((byte) (i + 3071), b.pixels()[k * 3072 + 3071]); // blue (31,31)
            }
        }
        long[] ids = blocks.stream().flatMapToLong(b -> Arrays.stream(b.ids())).sorted().toArray();
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, ids);
    }

    @Test
    void cifar100UsesTheFineLabel(@TempDir Path dir) throws IOException {
        Path file = Files.write(dir.resolve("train.bin"), records(0, 4, 2, 100));
        ExampleBlock block = new CifarSource(List.of(file.toString()), true, CONF).read(0, 4);
        assertArrayEquals(new int[] {0, 7, 14, 21}, block.labels());
        assertEquals((byte) 3, block.pixels()[3 * 3072]);
    }

    @Test
    void aFileOfTheWrongSizeIsNamed(@TempDir Path dir) throws IOException {
        Path bad = Files.write(dir.resolve("data_batch_9.bin"), Arrays.copyOf(records(0, 2, 1, 10), 5000));
        var e = assertThrows(DataException.class, () -> new CifarSource(List.of(bad.toString()), false, CONF));
        assertTrue(e.getMessage().contains("data_batch_9.bin") && e.getMessage().contains("3073-byte"), e.getMessage());
    }
}
