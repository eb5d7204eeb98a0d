package sparkcnn.driver.eval;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import sparkcnn.driver.TaskGpu;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.data.ExampleBlock;
import sparkcnn.kernels.data.Preprocessing;
import sparkcnn.kernels.eval.EvalCounts;
import sparkcnn.kernels.eval.Evaluator;
import sparkcnn.kernels.train.ModelState;

/** Evaluates a model where the data lives: each partition scores its block, only the tallies travel. */
public final class DistributedEvaluation {
    private DistributedEvaluation() {
    }

    public static EvalCounts evaluate(JavaSparkContext sc, ModelState state, JavaRDD<ExampleBlock> blocks,
                                      int batchSize, int classes, int workerThreads, Preprocessing pre) {
        Broadcast<ModelState> shared = sc.broadcast(state);
        try {
            return blocks
                    .map(block -> {
                        NativeBackend.init(workerThreads);
                        TaskGpu.bind();
                        return Evaluator.evaluate(shared.value(), block, batchSize, classes, pre);
                    })
                    .fold(EvalCounts.empty(classes), EvalCounts::plus);
        } finally {
            shared.destroy();
        }
    }
}
