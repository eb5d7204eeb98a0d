package sparkcnn.kernels.optim;

import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * An update rule whose learning rate the run sets each round ({@link Optimizer#setRate}): its steps
 * read the rate from here, so a new one acts from the next step on and no updater is rebuilt.
 */
abstract class RateUpdater implements IUpdater {
    private double learningRate;

    RateUpdater(double learningRate) {
        this.learningRate = learningRate;
    }

    double learningRate() {
        return learningRate;
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return learningRate;
    }

    @Override
    public boolean hasLearningRate() {
        return true;
    }

    @Override
    public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        if (lrSchedule != null) {
            throw new UnsupportedOperationException("the run's LearningRateSchedule sets the rate each round");
        }
        this.learningRate = lr;
    }

    @Override
    public abstract RateUpdater clone();
}
