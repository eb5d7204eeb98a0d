package sparkcnn.jobs.sweep;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/** {@code sweep.scheduler = none}: every trial not yet done trains all its epochs, in order. */
final class AllEpochs implements TrialScheduler {
    private final Deque<Trial> todo;

    AllEpochs(List<Trial> todo) {
        this.todo = new ArrayDeque<>(todo);
    }

    @Override
    public Optional<Job> next() {
        return Optional.ofNullable(todo.poll()).map(t -> new Job(t, -1, Integer.MAX_VALUE));
    }

    @Override
    public void ended(Job job, TrialOutcome outcome) {
    }
}
