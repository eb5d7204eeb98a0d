package sparkcnn.driver.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.data.ExampleBlock;

/** Streamed shards read real image files a few ahead, in the order a decoded shard would be visited. */
class StreamedShardTest {
    static final Volume SHAPE = new Volume(16, 16, 3);
    static final HadoopConf CONF = new HadoopConf(new Configuration());

    @Test
    void aStreamedShardGivesEveryRoundTheExamplesOfTheSameShardHeldInMemory(@TempDir Path dir) {
        SyntheticImageFolder.write(dir.toString(), CONF.get(), 3, 14, 16, 0, 7);
        var files = new ImageFolderSource(dir.toString(), CONF).files();
        long seed = 5;
        int epoch = 3;
        List<StreamedShard> streamed = ImageFolderSource.plan(files, 2, seed * 31 + epoch, seed, epoch, "t/" + dir,
                SHAPE, BadImagePolicy.SKIP, CONF, 3, 2);
        for (int w = 0; w < 2; w++) {
            // the same worker's slice decoded into memory, as the cached path deals it
            List<ImageFolderSource.ImageFile> shuffled = new ArrayList<>(files);
            java.util.Collections.shuffle(shuffled, new java.util.Random(seed * 31 + epoch));
            var slice = shuffled.subList(shuffled.size() * w / 2, shuffled.size() * (w + 1) / 2);
            var cached = new CachedShard(ImageFolderSource.decodeSlice(new ArrayList<>(slice), SHAPE,
                    BadImagePolicy.SKIP, CONF).block());
            StreamedShard shard = streamed.get(w);
            assertEquals(cached.size(), shard.size());
            assertEquals(cached.firstId(), shard.firstId());
            for (int from = 0; from < shard.size(); from += 5) { // rounds of 5 examples, in order
                int to = Math.min(from + 5, shard.size());
                assertSame(cached.slice(seed, epoch, from, to).examples(), shard.slice(seed, epoch, from, to).examples());
            }
            // a retried or moved task reads an earlier round again: the stream restarts there
            assertSame(cached.slice(seed, epoch, 5, 10).examples(), shard.slice(seed, epoch, 5, 10).examples());
            assertSame(cached.slice(seed, epoch, 0, 21).examples(), shard.slice(seed, epoch, 0, 21).examples());
        }
    }

    @Test
    void filesThatDoNotDecodeAreSkippedAndNamedOnce(@TempDir Path dir) {
        var written = SyntheticImageFolder.write(dir.toString(), CONF.get(), 2, 6, 16, 3, 9);
        var files = new ImageFolderSource(dir.toString(), CONF).files();
        StreamedShard shard = ImageFolderSource.plan(files, 1, 1, 1, 1, "bad/" + dir, SHAPE, BadImagePolicy.SKIP,
                CONF, 2, 2).get(0);
        assertEquals(15, shard.size());
        int examples = 0;
        List<String> rejected = new ArrayList<>();
        for (int from = 0; from < shard.size(); from += 4) {
            Shard.Slice slice = shard.slice(1, 1, from, Math.min(from + 4, shard.size()));
            examples += slice.examples().size();
            rejected.addAll(slice.rejected());
        }
        assertEquals(12, examples);
        assertEquals(3, rejected.size(), rejected.toString());
        for (String bad : written.corrupt()) {
            assertTrue(rejected.stream().anyMatch(r -> r.startsWith(new org.apache.hadoop.fs.Path(bad).toUri().getPath())
                    || r.contains(new org.apache.hadoop.fs.Path(bad).getName())), bad + " not in " + rejected);
        }
    }

    static void assertSame(ExampleBlock expected, ExampleBlock actual) {
        assertArrayEquals(expected.ids(), actual.ids());
        assertArrayEquals(expected.labels(), actual.labels());
        assertArrayEquals(expected.pixels(), actual.pixels());
    }

    @Test
    void anEpochsPlanTravelsAsBytesToAWorkerHoldingAnotherEpochsShard(@TempDir Path dir) {
        SyntheticImageFolder.write(dir.toString(), CONF.get(), 3, 14, 16, 0, 7);
        var files = new ImageFolderSource(dir.toString(), CONF).files();
        StreamedShard held = ImageFolderSource.plan(files, 2, 31, 1, 1, "p1/" + dir, SHAPE, BadImagePolicy.SKIP, CONF,
                3, 2).get(1);
        StreamedShard next = ImageFolderSource.plan(files, 2, 32, 1, 2, "p2/" + dir, SHAPE, BadImagePolicy.SKIP, CONF,
                3, 2).get(1);
        StreamedShard sent = held.withPlan(next.plan());
        assertEquals(next, sent, "the same key, units and first id, the data set's reading settings kept");
        assertSame(next.slice(1, 2, 0, next.size()).examples(), sent.slice(1, 2, 0, sent.size()).examples());
        var groups = new StreamedShard("g", List.of(new StreamedShard.FileGroupUnit(List.of("a", "b"), 32, 7)), 9, SHAPE,
                BadImagePolicy.SKIP, CONF, 3, 2);
        assertEquals(groups, held.withPlan(groups.plan()));
        assertThrows(DataException.class, () -> held.withPlan(new byte[] {0, 1, 'x'}));
    }

    @Test
    void aStreamedExportIsDealtAfreshEachEpochAndReadsEveryExampleOnceWhereverItRestarts(@TempDir Path dir)
            throws Exception {
        // an export of 130 examples in files of 16 (the last one short), written as `export` writes them
        List<ExampleBlock> files = new ArrayList<>();
        for (int f = 0; f * 16 < 130; f++) {
            int n = Math.min(16, 130 - f * 16);
            byte[] pixels = new byte[n * (int) SHAPE.size()];
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                pixels[i * (int) SHAPE.size()] = (byte) (f * 16 + i);
                labels[i] = (f * 16 + i) % 3;
            }
            ExampleBlock block = ExampleBlock.contiguous(f * 16L, SHAPE, pixels, labels);
            MinibatchFile.writeIfAbsent(new org.apache.hadoop.fs.Path(dir.toString(),
                    String.format("part-00000-batch-%06d.scnb", f)), block, CONF);
        }
        var listing = ExportedSource.listing(dir.toString(), CONF);
        assertEquals(130, listing.total());
        List<List<Long>> epochs = new ArrayList<>();
        for (int epoch = 1; epoch <= 2; epoch++) {
            List<StreamedShard> shards = ExportedSource.plan(listing, 2, 31L + epoch, "x/" + dir + "/" + epoch, CONF, 1, 2, 3);
            List<Long> seen = new ArrayList<>();
            for (StreamedShard shard : shards) {
                List<Long> inOrder = new ArrayList<>();
                for (int from = 0; from < shard.size(); from += 20) { // rounds of 20 examples
                    for (long id : shard.slice(0, epoch, from, Math.min(from + 20, shard.size())).examples().ids()) {
                        inOrder.add(id);
                    }
                }
                // a task retried at round 2 reads the same examples
                long[] again = shard.slice(0, epoch, 40, 60).examples().ids();
                assertEquals(inOrder.subList(40, Math.min(60, inOrder.size())), java.util.Arrays.stream(again).boxed().toList());
                seen.addAll(inOrder);
            }
            assertEquals(130, seen.size());
            assertEquals(130, new java.util.HashSet<>(seen).size(), "every example once");
            epochs.add(seen);
        }
        assertTrue(!epochs.get(0).equals(epochs.get(1)), "each epoch deals and mixes the files afresh");
    }

    @Test
    void moreShardsReadAtOnceThanReadersKeptOpenAllReadCorrectly(@TempDir Path dir) throws Exception {
        // 12 workers in one executor JVM: idle readers are closed beyond the limit, never one in use
        SyntheticImageFolder.write(dir.toString(), CONF.get(), 3, 16, 16, 0, 5);
        var files = new ImageFolderSource(dir.toString(), CONF).files();
        List<StreamedShard> shards = ImageFolderSource.plan(files, 12, 3, 3, 1, "many/" + dir, SHAPE,
                BadImagePolicy.SKIP, CONF, 2, 1);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(12);
        try {
            List<java.util.concurrent.Future<List<Long>>> reads = new ArrayList<>();
            for (StreamedShard shard : shards) {
                reads.add(pool.submit(() -> {
                    List<Long> ids = new ArrayList<>();
                    for (int pass = 0; pass < 3; pass++) {
                        ids.clear();
                        for (int from = 0; from < shard.size(); from++) {
                            for (long id : shard.slice(3, 1, from, from + 1).examples().ids()) {
                                ids.add(id);
                            }
                        }
                    }
                    return ids;
                }));
            }
            List<Long> all = new ArrayList<>();
            for (var read : reads) {
                all.addAll(read.get(2, java.util.concurrent.TimeUnit.MINUTES));
            }
            assertEquals(48, all.size());
            assertEquals(48, new java.util.HashSet<>(all).size());
        } finally {
            pool.shutdownNow();
        }
    }
}
