package sparkcnn.jobs.sweep;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import sparkcnn.driver.train.RunStoppedException;
import sparkcnn.driver.train.StopRequest;
import sparkcnn.jobs.train.StopOnSignal;

/**
 * SIGTERM or Ctrl-C during a sweep: each running trial has a stop request of its own (a run's stop
 * interrupts that run's work), and the sweep's passes the signal on to every one of them.
 */
final class SweepStop {
    private final StopRequest sweep = new StopRequest();
    private final Set<StopRequest> running = ConcurrentHashMap.newKeySet();

    SweepStop() {
        sweep.interruptWith(() -> running.forEach(this::passOn));
    }

    /** Until closed, SIGTERM and SIGINT stop the sweep. */
    StopOnSignal onSignals() {
        return StopOnSignal.install(sweep);
    }

    boolean requested() {
        return sweep.requested();
    }

    /** What stopped it: "SIGTERM". */
    String reason() {
        return sweep.reason().orElseThrow();
    }

    /** The stop request of a trial starting now, already asked where the sweep was. */
    StopRequest startTrial() {
        var trial = new StopRequest();
        running.add(trial);
        if (sweep.requested()) {
            passOn(trial);
        }
        return trial;
    }

    void trialEnded(StopRequest trial) {
        running.remove(trial);
    }

    /** The sweep's end: its running trials saved their state; how to go on. */
    RunStoppedException stopped(String sweepFile) {
        return new RunStoppedException(String.format("sweep stopped by %s: the running trials saved their last "
                + "averaged state; continue with: sparkcnn sweep --config %s (no epoch is trained twice)", reason(),
                sweepFile), sweep.exitStatus(), null);
    }

    private void passOn(StopRequest trial) {
        trial.request(reason(), sweep.exitStatus());
    }
}
