package sparkcnn.driver.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One file in LeCun's idx format (MNIST, Fashion-MNIST), plain or gzipped, on any Hadoop
 * FileSystem. The header is a magic number whose third byte is the element type (0x08 = unsigned
 * byte) and whose fourth is the number of dimensions, then each dimension as a big-endian int. The
 * records (one image or one label each) follow back to back, so any range of them can be read
 * without the rest: by seeking in a plain file, by skipping in a gzipped one.
 */
public record IdxFile(String uri, int[] dims, long headerBytes, boolean gzipped) implements Serializable {
    private static final int UNSIGNED_BYTE = 0x08;

    /** Reads and checks the header of {@code uri}. */
    public static IdxFile open(String uri, Configuration conf) {
        Path path = new Path(uri);
        try {
            FileSystem fs = path.getFileSystem(conf);
            if (!fs.exists(path)) {
                throw new DataException("idx file not found: " + uri);
            }
            if (fs.getFileStatus(path).isDirectory()) {
                throw new DataException("expected an idx file but found a directory: " + uri);
            }
            boolean gzipped = isGzipped(fs, path);
            try (var in = new DataInputStream(stream(fs, path, gzipped))) {
                int magic = in.readInt();
                if ((magic >>> 16) != 0 || ((magic >>> 8) & 0xFF) != UNSIGNED_BYTE || (magic & 0xFF) < 1) {
                    throw new DataException(String.format(
                            "not an idx file of unsigned bytes (magic 0x%08x, expected 0x000008NN): %s", magic, uri));
                }
                int[] dims = new int[magic & 0xFF];
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = in.readInt();
                }
                return new IdxFile(uri, dims, 4L + 4L * dims.length, gzipped);
            }
        } catch (EOFException e) {
            throw new DataException("idx file is truncated in its header: " + uri, e);
        } catch (FileNotFoundException e) {
            throw new DataException("idx file not found: " + uri, e);
        } catch (IOException e) {
            throw new DataException("cannot read idx file " + uri + ": " + e.getMessage(), e);
        }
    }

    /** Number of records: the first dimension. */
    public int count() {
        return dims[0];
    }

    /** Bytes per record: the product of the other dimensions (28*28 for an MNIST image, 1 for a label). */
    public int recordBytes() {
        int size = 1;
        for (int i = 1; i < dims.length; i++) {
            size *= dims[i];
        }
        return size;
    }

    /** Records {@code [first, first + n)} as bytes. */
    public byte[] read(Configuration conf, long first, int n) {
        if (first < 0 || n < 0 || first + n > count()) {
            throw new IllegalArgumentException("records [" + first + ", " + (first + n) + ") outside 0.." + count()
                    + " of " + uri);
        }
        byte[] records = new byte[Math.multiplyExact(n, recordBytes())];
        long offset = headerBytes + first * recordBytes();
        Path path = new Path(uri);
        try {
            FileSystem fs = path.getFileSystem(conf);
            if (gzipped) {
                try (var in = new DataInputStream(stream(fs, path, true))) {
                    skipFully(in, offset);
                    in.readFully(records);
                }
            } else {
                try (FSDataInputStream in = fs.open(path)) {
                    in.readFully(offset, records);
                }
            }
        } catch (EOFException e) {
            throw new DataException("idx file is shorter than its header says (" + count() + " records of "
                    + recordBytes() + " bytes): " + uri, e);
        } catch (IOException e) {
            throw new DataException("cannot read idx file " + uri + ": " + e.getMessage(), e);
        }
        return records;
    }

    private static boolean isGzipped(FileSystem fs, Path path) throws IOException {
        try (InputStream in = fs.open(path)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    private static InputStream stream(FileSystem fs, Path path, boolean gzipped) throws IOException {
        InputStream raw = fs.open(path);
        return gzipped ? new GZIPInputStream(raw, 1 << 16) : new BufferedInputStream(raw, 1 << 16);
    }

    private static void skipFully(InputStream in, long n) throws IOException {
        long left = n;
        while (left > 0) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new EOFException();
                }
                skipped = 1;
            }
            left -= skipped;
        }
    }
}
