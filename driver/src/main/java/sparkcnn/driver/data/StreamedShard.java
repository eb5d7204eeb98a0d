package sparkcnn.driver.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.data.ExampleBlock;

/**
 * A shard read from files as the rounds need it, never held whole: its epoch order is a list of
 * units (one image file, or a group of exported minibatch files shuffled together), which an
 * executor loads a few ahead of the position being fitted ({@link ShardReaders}), so memory is
 * bounded by the prefetch and decoding overlaps fitting.
 *
 * @param key      the shard of one epoch of one data set (a reader continues only the same key)
 * @param units    the epoch's order
 * @param firstId  the shard's identity in augmentation seeds (that of its first unit as dealt)
 * @param prefetch units loaded ahead of the position being read
 * @param threads  background threads loading them
 */
public record StreamedShard(String key, List<Unit> units, long firstId, Volume shape, BadImagePolicy policy,
                            HadoopConf conf, int prefetch, int threads) implements Shard {

    /** A piece of the stream loaded at once: {@code size()} examples, fewer where a file is rejected. */
    public interface Unit extends Serializable {
        int size();

        Slice load(Volume shape, BadImagePolicy policy, HadoopConf conf);
    }

    /** One image file: one example, or a rejected file. */
    public record ImageUnit(ImageFolderSource.ImageFile file) implements Unit {
        @Override
        public int size() {
            return 1;
        }

        @Override
        public Slice load(Volume shape, BadImagePolicy policy, HadoopConf conf) {
            List<String> rejected = new ArrayList<>(1);
            byte[] pixels = ImageFolderSource.decode(file, shape, policy, conf, rejected);
            return pixels == null
                    ? new Slice(ExampleBlock.empty(shape), rejected)
                    : new Slice(new ExampleBlock(new long[] {file.id()}, shape, pixels, new int[] {file.label()}), rejected);
        }
    }

    /**
     * Exported minibatch files read together and shuffled as one (an in-memory shuffle buffer), so
     * a minibatch mixes examples of several files and the mix changes with every epoch.
     */
    public record FileGroupUnit(List<String> files, int examples, long shuffleSeed) implements Unit {
        @Override
        public int size() {
            return examples;
        }

        @Override
        public Slice load(Volume shape, BadImagePolicy policy, HadoopConf conf) {
            List<ExampleBlock> blocks = new ArrayList<>();
            for (String file : files) {
                blocks.add(MinibatchFile.read(file, conf));
            }
            ExampleBlock all = ExportedSource.concat(blocks);
            if (all.size() != examples) {
                throw new DataException("exported files " + files + " hold " + all.size() + " examples, their sizes said "
                        + examples + ": were they rewritten during training?");
            }
            return new CachedShard(all).slice(shuffleSeed, 0, 0, all.size());
        }
    }

    @Override
    public int size() {
        int n = 0;
        for (Unit u : units) {
            n += u.size();
        }
        return n;
    }


    /** The order is the units' order, fixed when the shard was dealt: seed and epoch are in its key. */
    @Override
    public Slice slice(long seed, int epoch, int from, int to) {
        return ShardReaders.read(this, from, Math.min(to, size()));
    }
}
