package sparkcnn.kernels.net;

import java.io.Serializable;
import java.util.Locale;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;

/** The update rule: {@code sgd}, {@code nesterovs} (SGD with Nesterov momentum) or {@code adam}. */
public record Optimizer(String updater, double learningRate, double momentum, double weightDecay)
        implements Serializable {

    public Optimizer {
        updater = updater.toLowerCase(Locale.ROOT);
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
        }
        toUpdater(updater, learningRate, momentum); // fail early on an unknown name
    }

    public IUpdater toUpdater() {
        return toUpdater(updater, learningRate, momentum);
    }

    private static IUpdater toUpdater(String name, double lr, double momentum) {
        return switch (name) {
            case "sgd" -> new Sgd(lr);
            case "nesterovs" -> new Nesterovs(lr, momentum);
            case "adam" -> new Adam(lr);
            default -> throw new IllegalArgumentException(
                    "unknown updater '" + name + "': expected one of sgd, nesterovs, adam");
        };
    }
}
