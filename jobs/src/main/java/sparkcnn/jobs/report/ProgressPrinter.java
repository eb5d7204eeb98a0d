package sparkcnn.jobs.report;

import java.io.PrintStream;
import java.util.function.Consumer;
import sparkcnn.driver.train.RoundReport;

/**
 * One progress line per round: epoch, round, img/s, loss and ETA. On a terminal the line rewrites
 * itself; into a file or pipe it prints plain lines, at most one every {@code plainEverySeconds}
 * plus the last round of each epoch, so logs stay readable.
 */
public final class ProgressPrinter implements Consumer<RoundReport> {
    private final PrintStream out;
    private final boolean terminal;
    private final int epochs;
    private final int lastEpoch;
    private final double plainEverySeconds;
    private final long startNanos = System.nanoTime();
    private double lastPlainLine = Double.NEGATIVE_INFINITY;
    private long roundsDone;
    private double smoothedLoss = Double.NaN;

    /** @param lastEpoch where this start ends, which the ETA counts to: {@code epochs}, or a sweep trial's rung */
    public ProgressPrinter(PrintStream out, boolean terminal, int epochs, int lastEpoch, double plainEverySeconds) {
        this.out = out;
        this.terminal = terminal;
        this.epochs = epochs;
        this.lastEpoch = lastEpoch;
        this.plainEverySeconds = plainEverySeconds;
    }

    @Override
    public void accept(RoundReport r) {
        roundsDone++;
        // exponential moving average: single rounds are noisy, the trend is what a user reads
        smoothedLoss = Double.isNaN(smoothedLoss) ? r.loss() : 0.9 * smoothedLoss + 0.1 * r.loss();
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        long roundsLeft = (long) (lastEpoch - r.epoch()) * r.rounds() + (r.rounds() - r.round());
        double eta = elapsed / roundsDone * roundsLeft;
        String line = String.format("epoch %d/%d  round %d/%d  %6s img/s  loss %.4f  ETA %s",
                r.epoch(), epochs, r.round(), r.rounds(), rate(r.imagesPerSecond()), smoothedLoss, duration(eta));
        boolean lastOfEpoch = r.round() == r.rounds();
        if (terminal) {
            out.print("\r" + line + "\u001b[K" + (lastOfEpoch ? "\n" : ""));
            out.flush();
        } else if (lastOfEpoch || elapsed - lastPlainLine >= plainEverySeconds) {
            out.println(line);
            lastPlainLine = elapsed;
        }
    }

    /** Images per second with the digits that matter: 1234, 56.7, 0.42 (an ImageNet model on a CPU). */
    public static String rate(double imagesPerSecond) {
        return String.format(java.util.Locale.ROOT, imagesPerSecond >= 100 ? "%.0f" : imagesPerSecond >= 10 ? "%.1f"
                : "%.2f", imagesPerSecond);
    }

    public static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60)
                : String.format("%dm%02ds", s / 60, s % 60);
    }
}
