package sparkcnn.driver.train;

import java.util.List;
import sparkcnn.driver.data.DataException;
import sparkcnn.kernels.train.ModelState;
import sparkcnn.kernels.train.RoundResult;

/**
 * The averaging step of synchronous data-parallel training, the same for every engine: the workers'
 * sums of a round divided by the number of workers that had data, the updater state averaged or
 * (without updater averaging) kept as the round started, and the round refused where nobody had data
 * or training diverged. Engines differ only in how the sums travel.
 */
final class Averaging {
    private Averaging() {
    }

    /**
     * The state after round {@code round} of {@code epoch}, which started from {@code state} and whose
     * workers' sums are {@code sum} (an empty updater sum: the updater state is not averaged). The
     * sums are divided in place: a round's sums are its averaging's to use up (a state's worth of
     * arrays, not copied again).
     */
    static ModelState next(ModelState state, RoundResult sum, int epoch, int round, List<String> rejected) {
        if (sum.workers() == 0) {
            throw new DataException("no worker had an example to fit in epoch " + epoch + " round " + (round + 1)
                    + (rejected.isEmpty() ? "" : ": every file of the round was rejected, e.g. " + rejected.get(0)));
        }
        float[] params = divided(sum.paramSum(), sum.workers());
        // without updater averaging, every round starts from the run's initial updater state
        float[] updater = sum.updaterSum().length == 0 ? state.updaterState() : divided(sum.updaterSum(), sum.workers());
        if (!Double.isFinite(sum.meanLoss()) || !allFinite(params)) {
            throw new DivergenceException(String.format(
                    "training diverged in epoch %d round %d: mean loss %s%s; lower the learning rate",
                    epoch, round + 1, sum.meanLoss(), allFinite(params) ? "" : ", parameters not finite"));
        }
        int iterations = (sum.minibatches() + sum.workers() - 1) / sum.workers();
        return state.withWeights(params, updater, state.iteration() + iterations);
    }

    private static float[] divided(float[] sums, int workers) {
        for (int i = 0; i < sums.length; i++) {
            sums[i] /= workers;
        }
        return sums;
    }

    private static boolean allFinite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }
}
