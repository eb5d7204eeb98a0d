package sparkcnn.jobs.train;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sparkcnn.driver.train.StopRequest;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGTERM (a scheduler's preemption, YARN's or Kubernetes' kill) and SIGINT (Ctrl-C) while a run
 * (or a sweep's runs) trains: the run is asked to stop (its {@link StopRequest} interrupts the round in flight), saves
 * the last averaged state and ends with 128 + the signal's number.
 * Should the save take longer than {@link #GRACE_SECONDS}, or a second signal come, the process
 * exits as it would have without this.
 */
public final class StopOnSignal implements AutoCloseable {
    static final long GRACE_SECONDS = 60;
    private static final Logger log = LoggerFactory.getLogger(StopOnSignal.class);
    private static final List<String> SIGNALS = List.of("TERM", "INT");

    private final List<Signal> signals = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();

    private StopOnSignal() {
    }

    /** Until closed, SIGTERM and SIGINT ask {@code stop} to stop the run. */
    public static StopOnSignal install(StopRequest stop) {
        var installed = new StopOnSignal();
        for (String name : SIGNALS) {
            Signal signal = new Signal(name);
            installed.signals.add(signal);
            installed.previous.add(Signal.handle(signal, s -> installed.handle(s, stop)));
        }
        return installed;
    }

    private void handle(Signal signal, StopRequest stop) {
        int status = 128 + signal.getNumber();
        if (stop.requested()) { // a second signal: stop now
            Runtime.getRuntime().halt(status);
        }
        log.warn("SIG{}: stopping the run, saving its last averaged state", signal.getName());
        stop.request("SIG" + signal.getName(), status);
        Thread watchdog = new Thread(() -> {
            try {
                TimeUnit.SECONDS.sleep(GRACE_SECONDS);
                log.error("the run did not stop within {} s of SIG{}: exiting", GRACE_SECONDS, signal.getName());
                System.exit(status);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "sparkcnn-stop-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    @Override
    public void close() {
        for (int i = 0; i < signals.size(); i++) {
            Signal.handle(signals.get(i), previous.get(i));
        }
    }
}
