package sparkcnn.driver.train;

/** Stops a run once the test accuracy reaches a target, or when it has not improved for {@code patience} epochs. */
public final class EarlyStopping {
    private final double targetAccuracy;
    private final int patience;
    private double best = Double.NEGATIVE_INFINITY;
    private int sinceBest;
    private double last = Double.NaN;

    /** @param targetAccuracy 0 = no target; @param patience 0 = no patience limit */
    public EarlyStopping(double targetAccuracy, int patience) {
        this.targetAccuracy = targetAccuracy;
        this.patience = patience;
    }

    public void record(double accuracy) {
        last = accuracy;
        if (accuracy > best) {
            best = accuracy;
            sinceBest = 0;
        } else {
            sinceBest++;
        }
    }

    public boolean shouldStop() {
        return reason() != null;
    }

    public String reason() {
        if (targetAccuracy > 0 && last >= targetAccuracy) {
            return String.format(java.util.Locale.ROOT, "test accuracy %.4f reached the target %.4f", last, targetAccuracy);
        }
        if (patience > 0 && sinceBest >= patience) {
            return String.format(java.util.Locale.ROOT, "no improvement on the best test accuracy %.4f for %d epochs", best, sinceBest);
        }
        return null;
    }
}
