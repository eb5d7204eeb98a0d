package sparkcnn.kernels.optim;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * How a run optimises, all of it in one place, as PyTorch's {@code torch/optim/sgd.py} reads:
 * <ul>
 *   <li>the update rule: {@code sgd} (plain), {@code momentum} (heavy ball), {@code nesterovs}
 *       (Nesterov momentum), each as {@code torch.optim.SGD} takes its step ({@link Sgd}), or
 *       {@code adam} as {@code torch.optim.Adam} ({@link Adam});</li>
 *   <li>weight decay and its kind ({@link WeightDecay}): {@code l2} adds {@code decay * p} to the
 *       gradient before the momentum (the DenseNet paper's Torch code, PyTorch's
 *       {@code weight_decay}); {@code decoupled} shrinks the parameters by {@code lr * decay * p}
 *       after the step (SGDW, AdamW). It applies to every trainable parameter (convolution and
 *       fully connected weights and biases, batch norms' scale and shift), as PyTorch's
 *       {@code net.parameters()} do, exactly once; never to the batch norms' running statistics;</li>
 *   <li>the learning rate: the base rate after the linear scaling rule ({@link #scaled}), then the
 *       schedule's warm-up and decay ({@link LearningRateSchedule}), set on the network each round
 *       ({@link #setRate}).</li>
 * </ul>
 * DL4J gets its updater and regularisation from {@link #configure} and its rate from
 * {@link #setRate}; nothing else sets either.
 */
public record Optimizer(String updater, double momentum, double weightDecay, WeightDecay decayKind,
                        LearningRateSchedule schedule) implements Serializable {
    public static final List<String> UPDATERS = List.of("sgd", "momentum", "nesterovs", "adam");

    public Optimizer {
        updater = updater.toLowerCase(Locale.ROOT);
        if (!UPDATERS.contains(updater)) {
            throw new IllegalArgumentException("unknown updater '" + updater + "': expected one of "
                    + String.join(", ", UPDATERS));
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (usesMomentum(updater) && momentum == 0) {
            throw new IllegalArgumentException(updater + " needs a momentum > 0 (use updater = sgd for none)");
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        }
    }

    /** A constant rate, L2 decay: the form tests and benchmarks use. */
    public static Optimizer constant(String updater, double learningRate, double momentum, double weightDecay) {
        return new Optimizer(updater, momentum, weightDecay, WeightDecay.L2, LearningRateSchedule.constant(learningRate, 1));
    }

    /**
     * The linear scaling rule (Goyal et al. 2017): {@code rate x totalBatch / referenceBatch}, or the
     * rate itself when {@code referenceBatch} is 0.
     */
    public static double scaled(double rate, int totalBatch, int referenceBatch) {
        return referenceBatch == 0 ? rate : rate * totalBatch / referenceBatch;
    }

    private static boolean usesMomentum(String updater) {
        return updater.equals("momentum") || updater.equals("nesterovs");
    }

    /** The base rate: the schedule's rate before warm-up and decay. */
    public double learningRate() {
        return schedule.baseRate();
    }

    /** The rate of round {@code round} (0-based) of {@code rounds} in epoch {@code epoch} (1-based). */
    public double rate(int epoch, int round, int rounds) {
        return schedule.rate(epoch, round, rounds);
    }

    /** The update rule at the base rate. */
    public IUpdater toUpdater() {
        double lr = learningRate();
        return switch (updater) {
            case "adam" -> new Adam(lr);
            case "sgd" -> new org.nd4j.linalg.learning.config.Sgd(lr); // DL4J's: the same step, and its gradient checks know it
            default -> new Sgd(lr, momentum, updater.equals("nesterovs"));
        };
    }

    /** DL4J's regularisation that is this weight decay; none without decay. */
    public List<Regularization> regularization() {
        if (weightDecay == 0) {
            return List.of();
        }
        return List.of(decayKind == WeightDecay.L2 ? new L2Regularization(weightDecay)
                : new org.nd4j.linalg.learning.regularization.WeightDecay(weightDecay, true));
    }

    /**
     * Gives every layer of {@code conf} this update rule and weight decay, replacing whatever it had
     * (DL4J's builder appends a global decay again each time a layer is configured, which decayed
     * DenseNet's layers twice).
     */
    public ComputationGraphConfiguration configure(ComputationGraphConfiguration conf) {
        conf.getVertices().values().stream()
                .filter(v -> v instanceof LayerVertex)
                .forEach(v -> configure(((LayerVertex) v).getLayerConf().getLayer()));
        return conf;
    }

    /** {@link #configure(ComputationGraphConfiguration)} for one layer; frozen layers and layers without parameters are left. */
    public void configure(Layer layer) {
        if (layer instanceof BaseLayer base) {
            base.setIUpdater(toUpdater());
            decay(base);
        }
    }

    /** Sets this weight decay on a layer's weights and biases (the layer says which parameters those are). */
    public void decay(Layer layer) {
        if (layer instanceof BaseLayer base) {
            base.setRegularization(regularization());
            base.setRegularizationBias(regularization());
        }
    }

    /**
     * Sets the rate of every later step of {@code graph}'s updater, keeping its state: each layer's
     * update rule reads its rate when it steps. (DL4J's {@code setLearningRate} also rebuilds the
     * updater around the state on every call.)
     */
    public static void setRate(ComputationGraph graph, double rate) {
        for (var layer : graph.getLayers()) {
            if (layer.conf().getLayer() instanceof BaseLayer base && base.getIUpdater() != null
                    && base.getIUpdater().hasLearningRate()) {
                base.getIUpdater().setLrAndSchedule(rate, null);
            }
        }
    }

    /** As the paper would print it: {@code SGD nesterov momentum 0.9, L2 1e-4 (coupled), lr 0.1 x 0.1 at epochs 15, 22}. */
    public String describe() {
        String rule = switch (updater) {
            case "adam" -> "Adam (betas 0.9, 0.999, eps 1e-8)";
            case "sgd" -> "SGD";
            case "momentum" -> "SGD momentum " + number(momentum);
            default -> "SGD nesterov momentum " + number(momentum);
        };
        String decay = weightDecay == 0 ? "no weight decay"
                : decayKind == WeightDecay.L2 ? "L2 " + number(weightDecay) + " (coupled)"
                : "weight decay " + number(weightDecay) + " (decoupled)";
        return rule + ", " + decay + ", " + schedule.describe();
    }

    /** Six significant digits, trailing zeros dropped; an exponent below 1e-3 and from 1e4 ({@code 1e-4}, {@code 3e-4}). */
    static String number(double x) {
        var d = new java.math.BigDecimal(x).round(new java.math.MathContext(6)).stripTrailingZeros();
        if (x == 0 || (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4)) {
            return d.toPlainString();
        }
        int exponent = d.precision() - d.scale() - 1;
        return d.movePointLeft(exponent).stripTrailingZeros().toPlainString() + "e" + exponent;
    }
}
