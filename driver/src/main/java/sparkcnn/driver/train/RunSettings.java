package sparkcnn.driver.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import sparkcnn.driver.data.Shard;
import sparkcnn.driver.eval.DistributedEvaluation;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.data.Augmentation;
import sparkcnn.kernels.data.Preprocessing;
import sparkcnn.kernels.optim.LearningRateSchedule;

/**
 * What a {@link TrainingRun} needs to know of its job: how long, how the workers average, when to
 * checkpoint and stop, how inputs are prepared.
 */
public record RunSettings(int epochs, int workers, int batchSizePerWorker, int averagingFrequency, int workerThreads,
                          long seed, int classes, Volume input, LearningRateSchedule schedule,
                          int checkpointEveryRounds, double targetAccuracy, int patience, boolean averageUpdater,
                          int aggregationDepth, int stepsPerEpoch, int evalBatchSize, Augmentation augmentation,
                          boolean normalize, EngineKind engine, int allReduceTimeoutSeconds,
                          boolean allReduceOverlap) {

    public int channels() {
        return input.depth();
    }

    /** The rounds of an epoch that needs {@code fullPass} for every worker to see its shard once. */
    int rounds(int fullPass) {
        return stepsPerEpoch > 0 ? Math.min(stepsPerEpoch, fullPass) : fullPass;
    }

    /** The run's engine ({@code train.engine}), whose ring (if any) also scores {@code test}. */
    Engine engine(JavaSparkContext sc, AveragingSettings averaging, StopRequest stop, JavaRDD<Shard> test,
                  DistributedEvaluation.Scoring scoring) {
        return engine.create(sc, averaging, this, stop, test, scoring);
    }

    /** The averaging of one epoch, with that epoch's input preparation. */
    AveragingSettings averaging(Preprocessing preprocessing) {
        return new AveragingSettings(workers, batchSizePerWorker, averagingFrequency, workerThreads, seed, classes,
                preprocessing, averageUpdater, aggregationDepth);
    }
}
