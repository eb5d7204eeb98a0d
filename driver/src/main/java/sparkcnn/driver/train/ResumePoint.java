package sparkcnn.driver.train;

import java.util.List;
import java.util.Optional;
import sparkcnn.driver.run.Checkpoint;
import sparkcnn.driver.run.CheckpointStore;
import sparkcnn.kernels.train.ModelState;

/**
 * Where a run starts: epoch 1 of a fresh network, or the latest intact checkpoint's state, epoch
 * and round ({@code damaged}: newer checkpoints passed over). A checkpoint at an epoch's end starts
 * the next epoch; one taken mid-epoch continues it.
 */
record ResumePoint(Optional<Checkpoint> checkpoint, List<String> damaged) {
    static ResumePoint of(CheckpointStore.Resumable resumable) {
        return new ResumePoint(resumable.checkpoint(), resumable.damaged());
    }

    int firstEpoch() {
        return checkpoint.map(c -> c.epochComplete() ? c.epoch() + 1 : c.epoch()).orElse(1);
    }

    /** Rounds of the first epoch already done. */
    int firstRound() {
        return checkpoint.filter(c -> !c.epochComplete()).map(Checkpoint::roundsDone).orElse(0);
    }

    /** The first round to fit in {@code epoch}. */
    int firstRound(int epoch) {
        return epoch == firstEpoch() ? firstRound() : 0;
    }

    /** Whether {@code epoch} continues one that an earlier start had fitted part of. */
    boolean resumesMidEpoch(int epoch) {
        return epoch == firstEpoch() && firstRound() > 0;
    }

    ModelState state(java.util.function.Supplier<ModelState> fresh) {
        return checkpoint.map(Checkpoint::state).orElseGet(fresh);
    }

    /** An epoch that an earlier start trained and checkpointed, but was killed before evaluating. */
    Optional<Checkpoint> unevaluated(List<EpochResult> evaluated) {
        return checkpoint.filter(c -> c.epochComplete() && evaluated.stream().noneMatch(r -> r.epoch() == c.epoch()));
    }
}
