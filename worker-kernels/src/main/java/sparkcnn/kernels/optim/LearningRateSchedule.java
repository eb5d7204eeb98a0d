package sparkcnn.kernels.optim;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;

/**
 * The learning rate as a function of training progress, evaluated once per averaging round.
 * <ul>
 *   <li>{@code constant}: the base rate throughout;</li>
 *   <li>{@code step}: divided by 1/{@code factor} at each fraction of the run in {@code steps}
 *       (the DenseNet paper: 0.1, divided by 10 at 50% and 75% of the epochs);</li>
 *   <li>{@code cosine}: half a cosine from the base rate down to 0 (Loshchilov and Hutter 2017).</li>
 * </ul>
 * A linear warm-up over the first {@code warmupEpochs} precedes any of them (Goyal et al. 2017).
 */
public record LearningRateSchedule(String type, double baseRate, int epochs, double warmupEpochs,
                                   List<Double> steps, double factor) implements Serializable {

    public static final List<String> TYPES = List.of("constant", "step", "cosine");

    public LearningRateSchedule {
        type = type.toLowerCase(Locale.ROOT);
        steps = List.copyOf(steps);
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("unknown schedule '" + type + "': expected one of " + TYPES);
        }
        if (epochs < 1 || warmupEpochs < 0 || !(baseRate > 0)) {
            throw new IllegalArgumentException("a schedule needs epochs >= 1, warm-up >= 0 and a rate > 0");
        }
    }

    public static LearningRateSchedule constant(double rate, int epochs) {
        return new LearningRateSchedule("constant", rate, epochs, 0, List.of(), 1);
    }

    /** The rate for round {@code round} (0-based) of {@code rounds} in epoch {@code epoch} (1-based). */
    public double rate(int epoch, int round, int rounds) {
        double progress = (epoch - 1) + (double) round / rounds; // epochs done, fractional
        if (progress < warmupEpochs) {
            return baseRate * (progress + 1.0 / rounds) / warmupEpochs;
        }
        double fraction = progress / epochs;
        return switch (type) {
            case "step" -> baseRate * Math.pow(factor, steps.stream().filter(s -> fraction >= s).count());
            case "cosine" -> baseRate * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, (progress - warmupEpochs)
                    / Math.max(1e-9, epochs - warmupEpochs))));
            default -> baseRate;
        };
    }

    /** {@code lr 0.1 x 0.1 at epochs 15, 22.5}: the rate as it changes, in epochs done. */
    public String describe() {
        String warmup = warmupEpochs > 0 ? ", linear warm-up over " + Optimizer.number(warmupEpochs) + " epochs" : "";
        String rate = "lr " + Optimizer.number(baseRate);
        return switch (type) {
            case "step" -> rate + " x " + Optimizer.number(factor) + " at epochs " + String.join(", ",
                    steps.stream().map(s -> Optimizer.number(s * epochs)).toList()) + warmup;
            case "cosine" -> rate + ", cosine to 0 over " + epochs + " epochs" + warmup;
            default -> rate + " constant" + warmup;
        };
    }
}
