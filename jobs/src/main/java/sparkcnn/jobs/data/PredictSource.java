package sparkcnn.jobs.data;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import sparkcnn.driver.data.CachedShard;
import sparkcnn.driver.data.ExampleSource;
import sparkcnn.driver.data.Shard;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.driver.predict.Predictions;
import sparkcnn.kernels.arch.Volume;

/** What predict's --input holds, as rows of predictions scored on the executors. */
public interface PredictSource {
    long count();

    /** What the examples are, for the console ("idx images"). */
    String what();

    /** The examples as stored: the model's input, or larger (its centre is scored). */
    Volume stored();

    JavaRDD<Row> rows(JavaSparkContext sc, Predictions.Model model, Predictions.Counters counters, int workers,
                      HadoopConf hadoop);

    /** Stored examples read in one block per worker; {@code labelled}: whether their labels are real. */
    static PredictSource of(ExampleSource source, String what, boolean labelled) {
        return new PredictSource() {
            public long count() {
                return source.count();
            }

            public String what() {
                return what;
            }

            public Volume stored() {
                return source.shape();
            }

            public JavaRDD<Row> rows(JavaSparkContext sc, Predictions.Model model, Predictions.Counters counters,
                                     int workers, HadoopConf hadoop) {
                JavaRDD<Shard> shards = source.blocks(sc, workers).map(b -> (Shard) new CachedShard(b));
                return Predictions.ofShards(shards, labelled, model, counters);
            }
        };
    }
}
