package sparkcnn.jobs.sweep;

import com.typesafe.config.ConfigException;
import java.util.ArrayList;
import java.util.List;

/**
 * The rungs of successive halving (Li et al. 2020): a trial is compared with the others after
 * {@code minEpochs x eta^i} epochs, the last rung being {@code maxEpochs}; a rung's top 1/eta go on.
 * A {@code maxEpochs} of 0 stands for the trials' {@code train.epochs} until {@link #resolve} knows it.
 */
public record Rungs(int eta, int minEpochs, int maxEpochs) {

    public Rungs {
        if (eta < 2) {
            throw new ConfigException.Generic("sweep.asha.eta must be >= 2 (the top 1/eta of a rung go on), got " + eta);
        }
        if (minEpochs < 1) {
            throw new ConfigException.Generic("sweep.asha.min-epochs must be >= 1, got " + minEpochs);
        }
        if (maxEpochs != 0 && maxEpochs < minEpochs) {
            throw new ConfigException.Generic("sweep.asha.min-epochs (" + minEpochs + ") must not exceed "
                    + "sweep.asha.max-epochs (" + maxEpochs + ")");
        }
    }

    /** With the trials' {@code train.epochs} for an unset {@code max-epochs}. */
    public Rungs resolve(int trainEpochs) {
        if (maxEpochs != 0) {
            return this;
        }
        if (trainEpochs < minEpochs) {
            throw new ConfigException.Generic("sweep.asha.min-epochs (" + minEpochs + ") must not exceed "
                    + "sweep.asha.max-epochs (unset: the trials' train.epochs, " + trainEpochs + ")");
        }
        return new Rungs(eta, minEpochs, trainEpochs);
    }

    /** The epochs after which trials are compared, ascending; the last is {@code maxEpochs}. */
    public List<Integer> epochs() {
        if (maxEpochs == 0) {
            throw new IllegalStateException("rungs before max-epochs is resolved");
        }
        List<Integer> epochs = new ArrayList<>();
        for (long e = minEpochs; e < maxEpochs; e *= eta) {
            epochs.add((int) e);
        }
        epochs.add(maxEpochs);
        return epochs;
    }

    public int epochOf(int rung) {
        return epochs().get(rung);
    }

    /** The last rung: a trial that reaches it has finished. */
    public int top() {
        return epochs().size() - 1;
    }

    /** How many of the {@code reached} trials at a rung may go on: the top 1/eta. */
    public int goOn(int reached) {
        return reached / eta;
    }
}
