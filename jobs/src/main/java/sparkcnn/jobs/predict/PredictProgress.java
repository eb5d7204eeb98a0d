package sparkcnn.jobs.predict;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import sparkcnn.driver.predict.Predictions;
import sparkcnn.jobs.report.ProgressPrinter;

/** A progress line every ten seconds while predictions are written: done, img/s, failures, ETA. */
final class PredictProgress implements AutoCloseable {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        var t = new Thread(r, "sparkcnn-predict-progress");
        t.setDaemon(true);
        return t;
    });

    PredictProgress(Predictions.Counters counters, long total, PrintStream out) {
        long t0 = System.nanoTime();
        timer.scheduleAtFixedRate(() -> {
            long done = counters.scored().value() + counters.failed().value();
            double seconds = (System.nanoTime() - t0) / 1e9;
            double rate = done / seconds;
            out.printf(Locale.ROOT, "predict: %,d/%,d images (%.0f%%)  %.1f img/s  %,d failed  ETA %s%n", done, total,
                    100.0 * done / Math.max(1, total), rate, counters.failed().value(),
                    rate > 0 ? ProgressPrinter.duration((total - done) / rate) : "-");
        }, 10, 10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
