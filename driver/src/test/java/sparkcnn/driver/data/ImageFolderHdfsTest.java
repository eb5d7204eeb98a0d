package sparkcnn.driver.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sparkcnn.driver.Hdfs;
import sparkcnn.driver.LocalSpark;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.data.ExampleBlock;

/** ImageFolder data on a real in-process HDFS, sharded by real Spark in local[2]. */
class ImageFolderHdfsTest {
    static final Volume SHAPE = new Volume(24, 24, 3);
    static final int CLASSES = 3;
    static final int PER_CLASS = 21;
    static final int CORRUPT = 3;

    @TempDir
    static File base;
    static Hdfs hdfs;
    static JavaSparkContext sc;
    static HadoopConf conf;
    static String root;
    static SyntheticImageFolder.Written written;

    @BeforeAll
    static void start() {
        hdfs = new Hdfs(new File(base, "hdfs"));
        conf = new HadoopConf(hdfs.conf());
        root = hdfs.uri() + "/data/train";
        written = SyntheticImageFolder.write(root, hdfs.conf(), CLASSES, PER_CLASS, 20, CORRUPT, 5);
        sc = LocalSpark.start("imagefolder-hdfs");
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
        if (hdfs != null) {
            hdfs.close();
        }
    }

    static List<DecodedBlock> epoch(ImageFolderSource source, long seed, int partitions, BadImagePolicy policy) {
        JavaRDD<DecodedBlock> decoded = ImageFolderSource.decode(sc, source.files(), partitions, seed, SHAPE, policy, conf);
        assertEquals(partitions, decoded.getNumPartitions());
        return decoded.collect(); // small test data: inspect every block
    }

    @Test
    void listsClassesFromSortedFolderNames() {
        var source = new ImageFolderSource(root, conf);
        assertEquals(List.of("class00", "class01", "class02"), source.classes());
        assertEquals(CLASSES * PER_CLASS + CORRUPT, source.files().size());
        assertTrue(source.files().get(0).path().startsWith("hdfs://127.0.0.1:"), source.files().get(0).path());
    }

    @Test
    void everyImageIsSeenExactlyOncePerEpochInBalancedShardsAndANewOrderNextEpoch() {
        var source = new ImageFolderSource(root, conf);
        List<DecodedBlock> first = epoch(source, 1, 3, BadImagePolicy.SKIP);
        List<DecodedBlock> second = epoch(source, 2, 3, BadImagePolicy.SKIP);
        for (List<DecodedBlock> epoch : List.of(first, second)) {
            long[] ids = epoch.stream().flatMapToLong(d -> Arrays.stream(d.block().ids())).sorted().toArray();
            long[] expected = source.files().stream().filter(f -> !written.corrupt().contains(f.path()))
                    .mapToLong(ImageFolderSource.ImageFile::id).sorted().toArray();
            assertArrayEquals(expected, ids, "each decodable image exactly once");
            assertEquals(Arrays.stream(expected).sum(), Arrays.stream(ids).sum());
            // files are dealt so that shards differ by at most one (decoded + rejected)
            List<Integer> dealt = epoch.stream().map(d -> d.block().size() + d.rejected().size()).toList();
            assertTrue(dealt.stream().mapToInt(i -> i).max().orElseThrow()
                    - dealt.stream().mapToInt(i -> i).min().orElseThrow() <= 1, "shard sizes " + dealt);
            // decoded pixels and the labels of the files they came from
            for (DecodedBlock d : epoch) {
                for (int i = 0; i < d.block().size(); i++) {
                    int label = source.files().get((int) d.block().ids()[i]).label();
                    assertEquals(label, d.block().labels()[i]);
                }
            }
        }
        assertNotEquals(Arrays.toString(first.get(0).block().ids()), Arrays.toString(second.get(0).block().ids()),
                "a new epoch deals the files anew");
    }

    @Test
    void corruptFilesAreSkippedAndNamedOrFailTheJobWithTheirPath() {
        var source = new ImageFolderSource(root, conf);
        List<String> rejected = epoch(source, 3, 2, BadImagePolicy.SKIP).stream()
                .flatMap(d -> d.rejected().stream()).toList();
        assertEquals(CORRUPT, rejected.size());
        List<String> named = rejected.stream().map(r -> r.substring(0, r.indexOf(": "))).sorted().toList();
        assertEquals(written.corrupt().stream().sorted().toList(), named);

        var e = assertThrows(SparkException.class, () -> epoch(source, 3, 2, BadImagePolicy.FAIL));
        assertTrue(written.corrupt().stream().anyMatch(p -> e.getMessage().contains(p)), e.getMessage());
        assertTrue(e.getMessage().contains("corrupt image"), e.getMessage());
    }

    @Test
    void exportThenReadGivesIdenticalPixelsAndLabelsAndASecondExportWritesNothing() {
        var source = new ImageFolderSource(root, conf);
        JavaRDD<ExampleBlock> blocks = ImageFolderSource.decode(sc, source.files(), 2, 4, SHAPE, BadImagePolicy.SKIP, conf)
                .map(DecodedBlock::block).cache();
        String dir = hdfs.uri() + "/export/train";
        MinibatchExport.Summary summary = MinibatchExport.export(shards(blocks), dir, 16, "test source\n", conf);
        assertEquals(CLASSES * PER_CLASS, summary.examples());
        assertEquals(0, summary.skipped());
        assertTrue(summary.written() >= 4);

        Map<Long, String> original = byId(blocks.collect());
        Map<Long, String> reread = byId(ExportedSource.read(sc, dir, 3, conf).collect());
        assertEquals(original, reread);

        MinibatchExport.Summary again = MinibatchExport.export(shards(blocks), dir, 16, "test source\n", conf);
        assertEquals(0, again.written());
        assertEquals(summary.written(), again.skipped());

        // another batch size (or other data) into the same directory would skip files by name and
        // duplicate examples: it is refused before anything is written
        var other = assertThrows(DataException.class, () -> MinibatchExport.export(shards(blocks), dir, 8, "test source\n", conf));
        assertTrue(other.getMessage().contains("batch 16") && other.getMessage().contains("batch 8"), other.getMessage());
        assertThrows(DataException.class, () -> MinibatchExport.export(shards(blocks), dir, 16, "other data\n", conf));
        assertEquals(original, byId(ExportedSource.read(sc, dir, 3, conf).collect()), "the export is unchanged");
    }

    static JavaRDD<Shard> shards(JavaRDD<ExampleBlock> blocks) {
        return blocks.map(b -> (Shard) new CachedShard(b));
    }

    /** id -> label and pixels, as text, for exact comparison. */
    static Map<Long, String> byId(List<ExampleBlock> blocks) {
        return blocks.stream().flatMap(b -> {
            int size = (int) b.shape().size();
            List<Map.Entry<Long, String>> rows = new ArrayList<>();
            for (int i = 0; i < b.size(); i++) {
                rows.add(Map.entry(b.ids()[i], b.labels()[i] + ":" + b.shape() + ":"
                        + Arrays.toString(Arrays.copyOfRange(b.pixels(), i * size, (i + 1) * size))));
            }
            return rows.stream();
        }).collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    @Test
    void missingRootEmptyClassAndUnknownTestClassAreClearErrors() throws Exception {
        var missing = assertThrows(DataException.class, () -> new ImageFolderSource(hdfs.uri() + "/nowhere", conf));
        assertTrue(missing.getMessage().contains(hdfs.uri() + "/nowhere"), missing.getMessage());

        var fs = new Path(root).getFileSystem(hdfs.conf());
        String withEmpty = hdfs.uri() + "/data/with-empty";
        SyntheticImageFolder.write(withEmpty, hdfs.conf(), 2, 2, 16, 0, 1);
        fs.mkdirs(new Path(withEmpty + "/zebra"));
        var empty = assertThrows(DataException.class, () -> new ImageFolderSource(withEmpty, conf));
        assertTrue(empty.getMessage().contains("/data/with-empty/zebra"), empty.getMessage());

        String test = hdfs.uri() + "/data/test";
        SyntheticImageFolder.write(test, hdfs.conf(), 4, 2, 16, 0, 2); // class03 is not in training
        var unknown = assertThrows(DataException.class,
                () -> new ImageFolderSource(test, conf).requireClassesOf(new ImageFolderSource(root, conf)));
        assertTrue(unknown.getMessage().contains("class03"), unknown.getMessage());
    }
}
