package sparkcnn.driver.train;

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
                          boolean normalize, String engine, int allReduceTimeoutSeconds) {

    public int channels() {
        return input.depth();
    }

    /** The rounds of an epoch that needs {@code fullPass} for every worker to see its shard once. */
    int rounds(int fullPass) {
        return stepsPerEpoch > 0 ? Math.min(stepsPerEpoch, fullPass) : fullPass;
    }

    /** The engine that trains an epoch's rounds ({@code train.engine}). */
    Engine engine(org.apache.spark.api.java.JavaSparkContext sc, AveragingSettings averaging, StopRequest stop) {
        return switch (engine) {
            case Engine.DL4J_PARAMETER_AVERAGING -> new Dl4jParameterAveraging(sc, averaging);
            case Engine.ALLREDUCE -> new AllReduceEngine(sc, averaging, checkpointEveryRounds, allReduceTimeoutSeconds,
                    stop);
            default -> new AveragingTrainer(sc, averaging);
        };
    }

    /** The averaging of one epoch, with that epoch's input preparation. */
    AveragingSettings averaging(Preprocessing preprocessing) {
        return new AveragingSettings(workers, batchSizePerWorker, averagingFrequency, workerThreads, seed, classes,
                preprocessing, averageUpdater, aggregationDepth);
    }
}
