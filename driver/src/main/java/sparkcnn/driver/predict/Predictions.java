package sparkcnn.driver.predict;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import sparkcnn.driver.TaskGpu;
import sparkcnn.driver.data.ImageFolderSource;
import sparkcnn.driver.data.Shard;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.data.ExampleBlock;
import sparkcnn.kernels.data.ImageDecoder;
import sparkcnn.kernels.data.Preprocessing;
import sparkcnn.kernels.eval.Scorer;
import sparkcnn.kernels.train.ModelState;

/**
 * A model's predictions as rows, computed on the executors where the data lives: one row per image
 * or example, with the predicted class, its probability and the top K; an image that does not
 * decode gets a row with its error instead of failing the job.
 */
public final class Predictions {
    /** Rows of {@link #SCHEMA}; {@code path} is null for idx, CIFAR and exported examples, {@code label} where unknown. */
    public static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.LongType, false)
            .add("path", DataTypes.StringType, true)
            .add("label", DataTypes.IntegerType, true)
            .add("prediction", DataTypes.IntegerType, true)
            .add("class", DataTypes.StringType, true)
            .add("probability", DataTypes.DoubleType, true)
            .add("top_classes", DataTypes.createArrayType(DataTypes.StringType), true)
            .add("top_probabilities", DataTypes.createArrayType(DataTypes.DoubleType), true)
            .add("error", DataTypes.StringType, true);

    /** What every partition needs: the model, its input, how to scale it, the class names, K. */
    public record Model(Broadcast<ModelState> state, Volume input, Preprocessing preprocessing, List<String> classes,
                        int topK, int batchSize, int workerThreads) implements java.io.Serializable {
    }

    /** Counts for the progress line: examples scored and images that did not decode. */
    public record Counters(LongAccumulator scored, LongAccumulator failed) implements java.io.Serializable {
        public static Counters of(JavaSparkContext sc) {
            return new Counters(sc.sc().longAccumulator("predicted"), sc.sc().longAccumulator("failed"));
        }
    }

    private Predictions() {
    }

    /** One image to score: its number in the listing and its path. */
    public record ImageRef(long id, String path) implements java.io.Serializable {
    }

    /**
     * Image files, decoded to {@code stored} (the model's input, or larger to crop its centre from).
     * Each task carries only its own slice of the listing.
     */
    public static JavaRDD<Row> ofImages(JavaSparkContext sc, List<ImageRef> images, int partitions, Volume stored,
                                        Model model, Counters counters, HadoopConf conf) {
        return sc.parallelize(images, partitions).mapPartitions(it -> scoreImages(it, stored, model, counters, conf));
    }

    /** Examples of shards (idx, CIFAR, exported); {@code labelled}: whether their labels are real. */
    public static JavaRDD<Row> ofShards(JavaRDD<Shard> shards, boolean labelled, Model model, Counters counters) {
        return shards.flatMap(shard -> {
            init(model);
            List<Row> rows = new ArrayList<>();
            for (var chunks = shard.chunks(0, 0, 4 * model.batchSize()); chunks.hasNext(); ) {
                Shard.Slice slice = chunks.next();
                ExampleBlock block = slice.examples();
                float[][] p = Scorer.probabilities(model.state().value(), block, model.batchSize(),
                        model.classes().size(), model.preprocessing());
                for (int i = 0; i < block.size(); i++) {
                    rows.add(row(block.ids()[i], null, labelled ? block.labels()[i] : null, p[i], model));
                }
                for (String rejected : slice.rejected()) {
                    rows.add(RowFactory.create(-1L, rejected, null, null, null, null, null, null, "does not decode"));
                    counters.failed().add(1);
                }
                counters.scored().add(block.size());
            }
            return rows.iterator();
        });
    }

    /** Decodes and scores a partition's images a minibatch at a time. */
    private static Iterator<Row> scoreImages(Iterator<ImageRef> images, Volume stored, Model model, Counters counters,
                                             HadoopConf conf) {
        init(model);
        List<Row> rows = new ArrayList<>();
        List<ImageRef> batch = new ArrayList<>();
        while (images.hasNext()) {
            batch.add(images.next());
            if (batch.size() == model.batchSize() || !images.hasNext()) {
                rows.addAll(scoreBatch(batch, stored, model, counters, conf));
                batch.clear();
            }
        }
        return rows.iterator();
    }

    private static List<Row> scoreBatch(List<ImageRef> images, Volume stored, Model model, Counters counters,
                                        HadoopConf conf) {
        var scored = Scorer.decodeAndScore(images, image -> ImageDecoder.decode(ImageFolderSource.read(image.path(), conf),
                stored), stored, model.state().value(), model.batchSize(), model.classes().size(), model.preprocessing());
        List<Row> rows = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            ImageRef image = images.get(i);
            Scorer.Scored s = scored.get(i);
            if (s.error() != null) {
                rows.add(RowFactory.create(image.id(), image.path(), null, null, null, null, null, null, s.error()));
                counters.failed().add(1);
            } else {
                rows.add(row(image.id(), image.path(), null, s.probabilities(), model));
                counters.scored().add(1);
            }
        }
        return rows;
    }

    private static void init(Model model) {
        NativeBackend.init(model.workerThreads());
        TaskGpu.bind();
    }

    private static Row row(long id, String path, Integer label, float[] p, Model model) {
        int[] top = Scorer.top(p, model.topK());
        String[] names = new String[top.length];
        Double[] probabilities = new Double[top.length];
        for (int i = 0; i < top.length; i++) {
            names[i] = model.classes().get(top[i]);
            probabilities[i] = (double) p[top[i]];
        }
        return RowFactory.create(id, path, label, top[0], names[0], probabilities[0], names, probabilities, null);
    }
}
