package sparkcnn.driver.data;

import java.io.Serializable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.data.ExampleBlock;

/**
 * Stored examples of one shape that the executors read in blocks: idx files, CIFAR binaries, an
 * export. The driver knows only their shape and count; nothing but ranges or file names passes
 * through it.
 */
public interface ExampleSource extends Serializable {
    /** Each example as stored (an export may hold examples larger than a model's input). */
    Volume shape();

    long count();

    /** The examples in {@code partitions} blocks, each read on an executor. */
    JavaRDD<ExampleBlock> blocks(JavaSparkContext sc, int partitions);
}
