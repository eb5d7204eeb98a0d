package sparkcnn.jobs.sweep;

import com.typesafe.config.ConfigException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * What a sweep optimises ({@code sweep.metric}, {@code sweep.mode}): successive halving compares
 * trials by it at each rung, the leaderboard ranks them by its best value.
 */
public record Objective(Metric metric, boolean maximize) {

    /** The per-epoch numbers a run records in metrics.jsonl that a sweep can optimise. */
    public enum Metric {
        TEST_ACCURACY(true, s -> s.testAccuracy()),
        TEST_LOSS(false, s -> s.testLoss()),
        TEST_TOP5_ACCURACY(true, s -> s.testTop5Accuracy()),
        TRAIN_LOSS(false, s -> s.trainLoss());

        private final boolean higherIsBetter;
        private final ToDoubleFunction<EpochScore> value;

        Metric(boolean higherIsBetter, ToDoubleFunction<EpochScore> value) {
            this.higherIsBetter = higherIsBetter;
            this.value = value;
        }

        /** As config and metrics.jsonl spell it: {@code test-accuracy}. */
        public String text() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        public double of(EpochScore score) {
            return value.applyAsDouble(score);
        }
    }

    public static final Objective TEST_ACCURACY = new Objective(Metric.TEST_ACCURACY, true);

    /** {@code sweep.metric} and {@code sweep.mode} (max, min, or auto: the metric's own direction). */
    static Objective parse(String metric, String mode) {
        Metric m = Arrays.stream(Metric.values()).filter(v -> v.text().equals(metric)).findFirst()
                .orElseThrow(() -> new ConfigException.Generic("sweep.metric = '" + metric + "' is not a metric the "
                        + "runs record per epoch; one of " + Arrays.stream(Metric.values()).map(Metric::text).toList()));
        return switch (mode) {
            case "auto" -> new Objective(m, m.higherIsBetter);
            case "max" -> new Objective(m, true);
            case "min" -> new Objective(m, false);
            default -> throw new ConfigException.Generic("sweep.mode must be max, min or auto (the metric's own: max "
                    + "for accuracies, min for losses), got '" + mode + "'");
        };
    }

    /** A metric the runs of this job record: top-5 accuracy needs more than five classes. */
    void requireRecordedFor(int classes) {
        if (metric == Metric.TEST_TOP5_ACCURACY && classes <= 5) {
            throw new ConfigException.Generic("sweep.metric = test-top5-accuracy, but model.classes = " + classes
                    + ": with 5 classes or fewer every trial scores 1; use test-accuracy or test-loss");
        }
    }

    /** The column the leaderboard ranks by: {@code best_test_accuracy}. */
    public String column() {
        return "best_" + metric.text().replace('-', '_');
    }

    public double of(EpochScore score) {
        return metric.of(score);
    }

    /** Better values first; NaN (a trial that never scored) last. */
    public Comparator<Double> order() {
        Comparator<Double> ascending = Comparator.naturalOrder();
        Comparator<Double> better = maximize ? ascending.reversed() : ascending;
        return Comparator.comparing((Double v) -> v.isNaN()).thenComparing(better);
    }

    /** The epoch with the best value, if any. */
    public Optional<EpochScore> best(List<EpochScore> scores) {
        return scores.stream().min(Comparator.comparing(this::of, order()));
    }
}
