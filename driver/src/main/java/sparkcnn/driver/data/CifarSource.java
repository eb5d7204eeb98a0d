package sparkcnn.driver.data;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.data.ExampleBlock;

/**
 * CIFAR-10 / CIFAR-100 binary batches ({@code data_batch_1.bin} ... {@code test_batch.bin}, or
 * {@code train.bin} / {@code test.bin}): records of the label byte(s) then 3072 pixel bytes, the red,
 * green and blue 32x32 planes in turn, which is already NCHW. CIFAR-100 records carry the coarse
 * then the fine label; the fine label (100 classes) is used.
 */
public final class CifarSource implements RecordSource {
    public static final Volume SHAPE = new Volume(32, 32, 3);
    private static final int PIXELS = 3072;

    private final List<String> files;
    private final List<Integer> counts;
    private final int labelBytes;
    private final HadoopConf conf;

    public CifarSource(List<String> files, boolean cifar100, HadoopConf conf) {
        this.files = List.copyOf(files);
        this.labelBytes = cifar100 ? 2 : 1;
        this.conf = conf;
        List<Integer> sizes = new ArrayList<>();
        for (String file : files) {
            Path path = new Path(file);
            try {
                FileSystem fs = path.getFileSystem(conf.get());
                if (!fs.exists(path)) {
                    throw new DataException("CIFAR batch file not found: " + file);
                }
                long length = fs.getFileStatus(path).getLen();
                if (length == 0 || length % recordBytes() != 0) {
                    throw new DataException(String.format("%s is %d bytes, not a whole number of %d-byte CIFAR-%d records",
                            file, length, recordBytes(), cifar100 ? 100 : 10));
                }
                sizes.add((int) (length / recordBytes()));
            } catch (IOException e) {
                throw new DataException("cannot read CIFAR batch " + file + ": " + e.getMessage(), e);
            }
        }
        this.counts = List.copyOf(sizes);
    }

    int recordBytes() {
        return labelBytes + PIXELS;
    }

    @Override
    public Volume shape() {
        return SHAPE;
    }

    @Override
    public long count() {
        return counts.stream().mapToLong(Integer::longValue).sum();
    }

    /** Records {@code [first, first + n)} across the files in order. */
    @Override
    public ExampleBlock read(long first, int n) {
        byte[] pixels = new byte[n * PIXELS];
        int[] labels = new int[n];
        byte[] record = new byte[recordBytes()];
        int done = 0;
        long fileStart = 0;
        for (int f = 0; f < files.size() && done < n; f++) {
            long fileEnd = fileStart + counts.get(f);
            long from = Math.max(first + done, fileStart);
            if (from < fileEnd) {
                Path path = new Path(files.get(f));
                try (FSDataInputStream in = path.getFileSystem(conf.get()).open(path)) {
                    in.seek((from - fileStart) * recordBytes());
                    for (long i = from; i < fileEnd && done < n; i++, done++) {
                        in.readFully(record);
                        labels[done] = record[labelBytes - 1] & 0xFF;
                        System.arraycopy(record, labelBytes, pixels, done * PIXELS, PIXELS);
                    }
                } catch (IOException e) {
                    throw new DataException("cannot read CIFAR batch " + files.get(f) + ": " + e.getMessage(), e);
                }
            }
            fileStart = fileEnd;
        }
        return ExampleBlock.contiguous(first, SHAPE, pixels, labels);
    }
}
