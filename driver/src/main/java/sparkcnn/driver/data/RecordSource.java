package sparkcnn.driver.data;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import sparkcnn.kernels.data.ExampleBlock;

/** Fixed-size records, any contiguous range of which one reader reads (idx files, CIFAR binaries). */
public interface RecordSource extends ExampleSource {
    /** Examples {@code [first, first + count)}, read on whichever JVM calls it. */
    ExampleBlock read(long first, int count);

    default ExampleBlock read(Range range) {
        return read(range.first(), range.count());
    }

    /** The examples, split into {@code parts} contiguous ranges whose sizes differ by at most one. */
    default List<Range> ranges(int parts) {
        List<Range> ranges = new ArrayList<>(parts);
        for (int i = 0; i < parts; i++) {
            long from = count() * i / parts;
            long to = count() * (i + 1) / parts;
            ranges.add(new Range(from, (int) (to - from)));
        }
        return ranges;
    }

    /** One contiguous range per partition, read on the executors. */
    @Override
    default JavaRDD<ExampleBlock> blocks(JavaSparkContext sc, int partitions) {
        return sc.parallelize(ranges(partitions), partitions).map(this::read);
    }

    /** Examples {@code [first, first + count)}. */
    record Range(long first, int count) implements java.io.Serializable {
    }
}
