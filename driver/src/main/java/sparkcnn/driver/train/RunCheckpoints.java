package sparkcnn.driver.train;

import java.util.Optional;
import sparkcnn.driver.run.Checkpoint;
import sparkcnn.driver.run.CheckpointStore;
import sparkcnn.kernels.train.ModelState;

/** Writes a run's checkpoints every N rounds and at each epoch end, and remembers the last one written. */
final class RunCheckpoints {
    private final CheckpointStore store;
    private final MetricsLog metrics;
    private final RunSettings settings;
    /** The last checkpoint written or resumed from: where it is, and the rounds it holds; null for none. */
    private Saved last;

    private record Saved(int epoch, int roundsDone, String uri) {
        static Saved of(Checkpoint c, String uri) {
            return new Saved(c.epoch(), c.roundsDone(), uri);
        }

        boolean holds(RoundReport round) {
            return round.epoch() < epoch || round.epoch() == epoch && round.round() <= roundsDone;
        }
    }

    RunCheckpoints(CheckpointStore store, MetricsLog metrics, RunSettings settings, Optional<Checkpoint> start) {
        this.store = store;
        this.metrics = metrics;
        this.settings = settings;
        this.last = start.map(c -> Saved.of(c, store.uri(c))).orElse(null);
    }

    void afterRound(RoundReport round, ModelState state) {
        int every = settings.checkpointEveryRounds();
        if (every > 0 && round.round() % every == 0 && round.round() < round.rounds()) {
            if (state == null) {
                throw new IllegalStateException("the engine kept the state of checkpoint round " + round.round());
            }
            save(new Checkpoint(state, round.epoch(), round.round(), false, settings.seed()));
        }
    }

    /** The epoch's checkpoint; returns the network's DL4J zip, which is also the run's model.zip. */
    byte[] epochEnd(ModelState state, int epoch, int rounds) {
        return save(new Checkpoint(state, epoch, rounds, true, settings.seed()));
    }

    /**
     * The metrics first, then the checkpoint: a run killed in between resumes from the previous
     * checkpoint and drops the extra records, while the other order would lose the records of
     * rounds the checkpoint holds (and miscount the epoch's examples).
     */
    private byte[] save(Checkpoint checkpoint) {
        metrics.flush();
        byte[] modelZip = checkpoint.modelZip();
        last = Saved.of(checkpoint, store.save(checkpoint, modelZip));
        return modelZip;
    }

    /** The state after {@code round} as a checkpoint, unless one holds it already; the metrics flushed. */
    void saveIfNewer(RoundReport round, ModelState state) {
        if (last == null || !last.holds(round)) {
            save(new Checkpoint(state, round.epoch(), round.round(), round.round() == round.rounds(), settings.seed()));
        } else {
            metrics.flush();
        }
    }

    String describeLastGood() {
        return last == null ? "no checkpoint was written yet" : "the last good checkpoint is " + last.uri();
    }
}
