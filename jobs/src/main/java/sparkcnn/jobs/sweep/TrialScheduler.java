package sparkcnn.jobs.sweep;

import java.util.Optional;

/** Decides which trial trains next and how far; learns how each job ended. Called from one thread. */
interface TrialScheduler {

    /** Train {@code trial} up to epoch {@code untilEpoch}, where it reaches {@code rung} (-1: no rungs). */
    record Job(Trial trial, int rung, int untilEpoch) {
    }

    /** The next job, or empty when none may start before a running one ends (or all are done). */
    Optional<Job> next();

    /** {@code job} ended as {@code outcome} says. */
    void ended(Job job, TrialOutcome outcome);
}
