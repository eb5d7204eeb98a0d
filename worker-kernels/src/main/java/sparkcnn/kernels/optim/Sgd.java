package sparkcnn.kernels.optim;

import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Stochastic gradient descent with optional (Nesterov) momentum, in the form of PyTorch's
 * {@code torch.optim.SGD}: the momentum buffer sums gradients, and the learning rate multiplies the
 * step, not the buffer ({@link SgdStep}). DL4J's own {@code Nesterovs} keeps the rate inside its
 * velocity, so after a rate change the old rate goes on acting for a while; here a new rate acts
 * from the next step on, as in PyTorch and the DenseNet paper's Torch code.
 */
public final class Sgd extends RateUpdater {
    private final double momentum;
    private final boolean nesterov;

    public Sgd(@JsonProperty("learningRate") double learningRate, @JsonProperty("momentum") double momentum,
               @JsonProperty("nesterov") boolean nesterov) {
        super(learningRate);
        this.momentum = momentum;
        this.nesterov = nesterov;
    }

    public double momentum() {
        return momentum;
    }

    public boolean nesterov() {
        return nesterov;
    }

    /** One momentum buffer per parameter, none without momentum. */
    @Override
    public long stateSize(long numParams) {
        return momentum == 0 ? 0 : numParams;
    }

    @Override
    public GradientUpdater<Sgd> instantiate(INDArray viewArray, boolean initializeViewArray) {
        var step = new SgdStep(this);
        if (viewArray != null && momentum != 0) {
            step.setStateViewArray(viewArray, viewArray.shape(), viewArray.ordering(), initializeViewArray);
        }
        return step;
    }

    @Override
    public GradientUpdater<Sgd> instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        var step = new SgdStep(this);
        step.setState(updaterState, initializeStateArrays);
        return step;
    }

    @Override
    public Sgd clone() {
        return new Sgd(learningRate(), momentum, nesterov);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Sgd other && other.learningRate() == learningRate() && other.momentum == momentum
                && other.nesterov == nesterov;
    }

    @Override
    public int hashCode() {
        return Objects.hash(learningRate(), momentum, nesterov);
    }

    @Override
    public String toString() {
        return "Sgd(lr=" + learningRate() + ", momentum=" + momentum + ", nesterov=" + nesterov + ")";
    }
}
