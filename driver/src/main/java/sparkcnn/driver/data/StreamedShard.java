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


    /**
     * This shard's epoch plan (key, first id, units) field by field: what a worker that holds a shard of
     * the same data set needs to read the next epoch's ({@link #withPlan}), never Java serialisation.
     */
    public byte[] plan() {
        var bytes = new java.io.ByteArrayOutputStream();
        try (var out = new java.io.DataOutputStream(bytes)) {
            out.writeUTF(key);
            out.writeLong(firstId);
            out.writeInt(units.size());
            for (Unit u : units) {
                if (u instanceof ImageUnit image) {
                    out.writeByte('I');
                    out.writeLong(image.file().id());
                    out.writeUTF(image.file().path());
                    out.writeInt(image.file().label());
                } else if (u instanceof FileGroupUnit group) {
                    out.writeByte('G');
                    out.writeInt(group.examples());
                    out.writeLong(group.shuffleSeed());
                    out.writeInt(group.files().size());
                    for (String file : group.files()) {
                        out.writeUTF(file);
                    }
                } else {
                    throw new IllegalStateException("a unit of no known kind: " + u.getClass());
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e); // a byte array does not fail
        }
        return bytes.toByteArray();
    }

    /** This data set's shard of the epoch {@code plan} (as {@link #plan} wrote it) describes. */
    public StreamedShard withPlan(byte[] plan) {
        try (var in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(plan))) {
            String newKey = in.readUTF();
            long newFirstId = in.readLong();
            int count = in.readInt();
            List<Unit> newUnits = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                byte kind = in.readByte();
                if (kind == 'I') {
                    newUnits.add(new ImageUnit(new ImageFolderSource.ImageFile(in.readLong(), in.readUTF(),
                            in.readInt())));
                } else if (kind == 'G') {
                    int examples = in.readInt();
                    long shuffleSeed = in.readLong();
                    int files = in.readInt();
                    List<String> names = new ArrayList<>(files);
                    for (int f = 0; f < files; f++) {
                        names.add(in.readUTF());
                    }
                    newUnits.add(new FileGroupUnit(names, examples, shuffleSeed));
                } else {
                    throw new java.io.IOException("a unit of unknown kind " + kind);
                }
            }
            return new StreamedShard(newKey, newUnits, newFirstId, shape, policy, conf, prefetch, threads);
        } catch (java.io.IOException e) {
            throw new DataException("an epoch's plan of files did not decode: " + e.getMessage());
        }
    }

    /** The order is the units' order, fixed when the shard was dealt: seed and epoch are in its key. */
    @Override
    public Slice slice(long seed, int epoch, int from, int to) {
        return ShardReaders.read(this, from, Math.min(to, size()));
    }
}
