package sparkcnn.driver.train;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import sparkcnn.driver.data.Shard;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.data.ExampleBlock;
import sparkcnn.kernels.optim.LearningRateSchedule;
import sparkcnn.kernels.optim.Optimizer;
import sparkcnn.kernels.train.ModelState;
import sparkcnn.kernels.train.WorkerNets;

/**
 * DL4J Spark's own engine on sparkcnn's data: each epoch, the workers' shards become minibatch
 * {@code DataSet}s (preprocessed and augmented as sparkcnn's workers do) and
 * {@link SparkComputationGraph#fit(JavaRDD)} trains them with a {@link ParameterAveragingTrainingMaster}
 * mapped from the run's keys (workers, batch size per worker, averaging frequency, aggregation
 * depth; updater state averaged). An epoch is one call, so it is reported as one round: DL4J
 * repartitions and splits the data itself, and a round in the middle cannot be checkpointed or
 * resumed exactly.
 */
public final class Dl4jParameterAveraging implements Engine {
    private final JavaSparkContext sc;
    private final AveragingSettings settings;

    public Dl4jParameterAveraging(JavaSparkContext sc, AveragingSettings settings) {
        this.sc = sc;
        this.settings = settings;
    }

    @Override
    public int roundsPerEpoch(int fullPass, RunSettings run) {
        return 1;
    }

    @Override
    public ModelState fitRounds(ModelState start, JavaRDD<Shard> shards, int rounds, int epoch, int firstRound,
                                LearningRateSchedule schedule, RoundListener listener) {
        long t0 = System.nanoTime();
        double rate = schedule.rate(epoch, 0, 1);
        ComputationGraph graph = WorkerNets.borrow(start.withLearningRate(rate));
        try {
            Optimizer.setRate(graph, rate);
            var master = new ParameterAveragingTrainingMaster.Builder(settings.workers(), settings.batchSizePerWorker())
                    .batchSizePerWorker(settings.batchSizePerWorker())
                    .averagingFrequency(settings.averagingFrequency())
                    .aggregationDepth(settings.aggregationDepth())
                    .saveUpdater(settings.averageUpdater())
                    .workerPrefetchNumBatches(0)
                    .rddTrainingApproach(RDDTrainingApproach.Direct)
                    .repartionData(Repartition.Always)
                    .storageLevel(StorageLevel.MEMORY_ONLY())
                    .rngSeed(settings.seed() * 31 + epoch)
                    .build();
            var spark = new SparkComputationGraph(sc, graph, master);
            JavaRDD<DataSet> minibatches = minibatches(shards, settings, epoch).persist(StorageLevel.MEMORY_ONLY());
            long examples = minibatches.map(d -> (long) d.numExamples()).fold(0L, Long::sum);
            spark.fit(minibatches);
            minibatches.unpersist(false);
            ComputationGraph trained = spark.getNetwork();
            ModelState after = ModelState.of(trained).withEpoch(epoch);
            double seconds = (System.nanoTime() - t0) / 1e9;
            // DL4J does not say how long its workers fitted: fit_seconds 0, the epoch's time is all in seconds
            listener.afterRound(new RoundReport(epoch, 1, 1, trained.score(), examples, seconds, rate, 0,
                    List.of()), after);
            return after;
        } finally {
            WorkerNets.release(start, graph);
        }
    }

    /** Each worker's examples of this epoch, in sparkcnn's order, as minibatches of the worker batch size. */
    static JavaRDD<DataSet> minibatches(JavaRDD<Shard> shards, AveragingSettings s, int epoch) {
        return shards.flatMap(shard -> {
            NativeBackend.init(s.workerThreads());
            Shard.Slice slice = shard.slice(s.seed(), epoch, 0, shard.size());
            ExampleBlock block = slice.examples();
            long augmentSeed = s.augmentSeed(epoch, shard);
            List<DataSet> batches = new ArrayList<>();
            int[] order = block.storedOrder();
            for (int from = 0; from < block.size(); from += s.batchSizePerWorker()) {
                int to = Math.min(from + s.batchSizePerWorker(), block.size());
                batches.add(block.minibatch(order, from, to, s.classes(), s.preprocessing(), augmentSeed + from));
            }
            return batches.iterator();
        });
    }
}
