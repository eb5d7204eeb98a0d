package sparkcnn.driver.data;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.data.ExampleBlock;

/**
 * One minibatch file of an export, on any Hadoop FileSystem: {@code part-PPPPP-batch-BBBBBB.scnb},
 * magic "SCNB", version, n, depth, height, width, then n (id: int64, label: int32) pairs, then the
 * n examples' NCHW bytes. Written under a temporary name and renamed, so an existing file is complete.
 */
final class MinibatchFile {
    static final int MAGIC = 0x53434E42; // "SCNB"
    static final int VERSION = 1;
    static final String SUFFIX = ".scnb";
    /** The header (magic, version, n, depth, height, width: six ints), and each example's id and label. */
    static final int HEADER_BYTES = 6 * Integer.BYTES;
    static final int ID_LABEL_BYTES = Long.BYTES + Integer.BYTES;

    private MinibatchFile() {
    }

    static byte[] encode(ExampleBlock batch) throws IOException {
        var bytes = new ByteArrayOutputStream(batch.pixels().length + ID_LABEL_BYTES * batch.size() + HEADER_BYTES);
        try (var out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(batch.size());
            out.writeInt(batch.shape().depth());
            out.writeInt(batch.shape().height());
            out.writeInt(batch.shape().width());
            for (int i = 0; i < batch.size(); i++) {
                out.writeLong(batch.ids()[i]);
                out.writeInt(batch.labels()[i]);
            }
            out.write(batch.pixels());
        }
        return bytes.toByteArray();
    }

    static ExampleBlock read(String file, HadoopConf conf) {
        Path path = new Path(file);
        try (InputStream raw = path.getFileSystem(conf.get()).open(path); var in = new DataInputStream(raw)) {
            if (in.readInt() != MAGIC || in.readInt() != VERSION) {
                throw new DataException("not a sparkcnn minibatch file (version " + VERSION + "): " + file);
            }
            int n = in.readInt();
            int depth = in.readInt();
            int height = in.readInt();
            int width = in.readInt();
            var shape = new Volume(width, height, depth);
            long[] ids = new long[n];
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                ids[i] = in.readLong();
                labels[i] = in.readInt();
            }
            byte[] pixels = new byte[(int) (n * shape.size())];
            in.readFully(pixels);
            return new ExampleBlock(ids, shape, pixels, labels);
        } catch (IOException e) {
            throw new DataException("cannot read minibatch file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code batch} to {@code file} unless it exists; true when written. */
    static boolean writeIfAbsent(Path file, ExampleBlock batch, HadoopConf conf) throws IOException {
        FileSystem fs = file.getFileSystem(conf.get());
        if (fs.exists(file)) {
            return false;
        }
        Path temporary = new Path(file.getParent(), "." + file.getName() + ".tmp");
        try (OutputStream out = fs.create(temporary, true)) {
            out.write(encode(batch));
        }
        FileContext.getFileContext(file.toUri(), conf.get()).rename(temporary, file, Options.Rename.OVERWRITE);
        return true;
    }
}
