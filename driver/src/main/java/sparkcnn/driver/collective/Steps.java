package sparkcnn.driver.collective;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The workers' reports gathered into steps: a step is delivered once, in order, when every worker of
 * one stage attempt reported it; a rerun attempt's repeats of delivered steps are dropped.
 */
final class Steps {
    private final int workers;
    private final Map<List<Integer>, byte[][]> pending = new HashMap<>();
    private final BlockingQueue<List<byte[]>> complete = new LinkedBlockingQueue<>();
    private int next;

    Steps(int workers, int first) {
        this.workers = workers;
        this.next = first;
    }

    /** The step to be delivered next. */
    synchronized int next() {
        return next;
    }

    /** {@code report}, partition {@code hello.partition()}'s of {@code step}, in attempt {@code hello.attempt()}. */
    synchronized void record(Wire.Hello hello, int step, byte[] report) {
        if (step < next) {
            return; // a rerun attempt repeating a step already delivered
        }
        byte[][] reports = pending.computeIfAbsent(List.of(hello.attempt(), step), k -> new byte[workers][]);
        reports[hello.partition()] = report;
        byte[][] done;
        while ((done = completeStep()) != null) {
            complete.add(Arrays.asList(done));
            next++;
        }
    }

    /** The next complete step's reports, one per partition, waiting at most {@code timeout}; null if none came. */
    List<byte[]> poll(long timeout, TimeUnit unit) throws InterruptedException {
        return complete.poll(timeout, unit);
    }

    /** The reports of {@link #next} from whichever attempt has them all, or null. */
    private byte[][] completeStep() {
        for (var e : pending.entrySet()) {
            if (e.getKey().get(1) == next && Arrays.stream(e.getValue()).allMatch(r -> r != null)) {
                byte[][] reports = e.getValue();
                pending.keySet().removeIf(k -> k.get(1) <= next);
                return reports;
            }
        }
        return null;
    }
}
