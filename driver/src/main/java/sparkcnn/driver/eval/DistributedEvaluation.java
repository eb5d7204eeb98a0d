package sparkcnn.driver.eval;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import sparkcnn.driver.TaskGpu;
import sparkcnn.driver.WorkerMemory;
import sparkcnn.driver.data.Shard;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.data.ExampleBlock;
import sparkcnn.kernels.data.Preprocessing;
import sparkcnn.kernels.eval.EvalCounts;
import sparkcnn.kernels.eval.Evaluator;
import sparkcnn.kernels.train.ModelState;

/**
 * Evaluates a model where the data lives: each partition scores its shard (a streamed one a few
 * minibatches at a time), and only the tallies and the names of rejected files travel.
 */
public final class DistributedEvaluation {
    /** Minibatches read at once from a shard. */
    private static final int CHUNK_BATCHES = 4;

    private DistributedEvaluation() {
    }

    /** The tallies of a test set, and the files that could not be decoded. */
    public record Scored(EvalCounts counts, List<String> rejected) implements java.io.Serializable {
        public Scored plus(Scored other) {
            List<String> all = new ArrayList<>(rejected);
            all.addAll(other.rejected);
            return new Scored(counts.plus(other.counts), all);
        }
    }

    /** Blocks held in memory. */
    public static EvalCounts evaluate(JavaSparkContext sc, ModelState state, JavaRDD<ExampleBlock> blocks,
                                      int batchSize, int classes, int workerThreads, Preprocessing pre) {
        return score(sc, state, blocks.map(b -> (Shard) new sparkcnn.driver.data.CachedShard(b)), batchSize, classes,
                workerThreads, pre).counts();
    }

    /** How a worker scores its shard: minibatch size, classes, threads, the inputs' preparation for evaluation. */
    public record Scoring(int batchSize, int classes, int workerThreads, Preprocessing pre)
            implements java.io.Serializable {

        /** One worker's shard, scored in chunks. */
        public Scored score(ModelState state, Shard shard) {
            NativeBackend.init(workerThreads);
            TaskGpu.bind();
            Scored scored = nothing();
            for (var it = shard.chunks(0, 0, CHUNK_BATCHES * batchSize); it.hasNext(); ) {
                Shard.Slice slice = it.next();
                scored = scored.plus(new Scored(Evaluator.evaluate(state, slice.examples(), batchSize, classes, pre),
                        slice.rejected()));
            }
            return scored;
        }

        public Scored nothing() {
            return new Scored(EvalCounts.empty(classes), List.of());
        }
    }

    public static Scored score(JavaSparkContext sc, ModelState state, JavaRDD<Shard> shards, int batchSize,
                               int classes, int workerThreads, Preprocessing pre) {
        return score(sc, state, shards, new Scoring(batchSize, classes, workerThreads, pre));
    }

    /** Every shard scored where it lives, in a Spark job of its own. */
    public static Scored score(JavaSparkContext sc, ModelState state, JavaRDD<Shard> shards, Scoring scoring) {
        Broadcast<ModelState> shared = sc.broadcast(state);
        try {
            return shards
                    .map(shard -> WorkerMemory.asTaskFailure(() -> scoring.score(shared.value(), shard)))
                    .fold(scoring.nothing(), Scored::plus);
        } finally {
            shared.destroy();
        }
    }
}
