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
import sparkcnn.driver.io.RegularFiles;

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
            String problem = RegularFiles.problem(fs, path);
            if (problem != null) {
                throw new DataException("expected an idx file but found " + problem + ": " + uri);
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
                var file = new IdxFile(uri, dims, 4L + 4L * dims.length, gzipped);
                file.requireSizeMatchesHeader(fs, path);
                return file;
            }
        } catch (EOFException e) {
            throw new DataException("idx file is truncated in its header: " + uri, e);
        } catch (FileNotFoundException e) {
            throw new DataException("idx file not found: " + uri, e);
        } catch (IOException e) {
            throw new DataException("cannot read idx file " + uri + ": " + e.getMessage(), e);
        }
    }

    /**
     * The header's record count against the file's size: a plain file's length, or a gzip file's
     * ISIZE trailer (the uncompressed size modulo 2^32). A truncated or padded file fails here,
     * naming itself, instead of deep inside a training task.
     */
    private void requireSizeMatchesHeader(FileSystem fs, Path path) throws IOException {
        if (count() == 0) {
            throw new DataException("idx file has no records (its header says 0): " + uri);
        }
        for (int d : dims) {
            if (d < 1) {
                throw new DataException("idx file has a dimension of " + d + " in its header: " + uri);
            }
        }
        long expected = headerBytes + (long) count() * recordBytes();
        long length = fs.getFileStatus(path).getLen();
        if (!gzipped && length != expected) {
            throw new DataException(String.format(java.util.Locale.ROOT, "idx file is %,d bytes, but its header "
                    + "says %,d records of %,d bytes (%,d bytes with the header): %s", length, count(), recordBytes(),
                    expected, uri));
        }
        if (gzipped) {
            long isize = gzipTrailerSize(fs, path, length);
            if (isize != (expected & 0xFFFFFFFFL)) {
                throw new DataException(String.format(java.util.Locale.ROOT, "idx file decompresses to %,d bytes "
                        + "(gzip trailer), but its header says %,d records of %,d bytes (%,d bytes with the header): %s",
                        isize, count(), recordBytes(), expected, uri));
            }
        }
    }

    private static long gzipTrailerSize(FileSystem fs, Path path, long length) throws IOException {
        byte[] trailer = new byte[4];
        try (FSDataInputStream in = fs.open(path)) {
            in.readFully(length - 4, trailer);
        }
        return (trailer[0] & 0xFFL) | (trailer[1] & 0xFFL) << 8 | (trailer[2] & 0xFFL) << 16 | (trailer[3] & 0xFFL) << 24;
    }

    /** Number of records: the first dimension. */
    public int count() {
        return dims[0];
    }

    /** Bytes per record: the product of the other dimensions (28*28 for an MNIST image, 1 for a label). */
    public int recordBytes() {
        long size = 1;
        for (int i = 1; i < dims.length; i++) {
            size *= dims[i];
        }
        if (size > Integer.MAX_VALUE) {
            throw new DataException("idx records of " + size + " bytes are too large: " + uri);
        }
        return (int) size;
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
