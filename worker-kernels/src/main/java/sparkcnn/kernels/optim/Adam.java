package sparkcnn.kernels.optim;

import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Adam (Kingma and Ba 2015) in the form of PyTorch's {@code torch.optim.Adam}: epsilon is added
 * to the bias-corrected root of the second moment ({@link AdamStep}). DL4J's own Adam adds it
 * before the correction, which at step 1 makes it about 30x larger (1 / sqrt(1 - beta2)).
 */
public final class Adam extends RateUpdater {
    public static final double BETA1 = 0.9;
    public static final double BETA2 = 0.999;
    public static final double EPSILON = 1e-8;
    private final double beta1;
    private final double beta2;
    private final double epsilon;

    public Adam(double learningRate) {
        this(learningRate, BETA1, BETA2, EPSILON);
    }

    public Adam(@JsonProperty("learningRate") double learningRate, @JsonProperty("beta1") double beta1,
                @JsonProperty("beta2") double beta2, @JsonProperty("epsilon") double epsilon) {
        super(learningRate);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
    }

    double beta1() {
        return beta1;
    }

    double beta2() {
        return beta2;
    }

    double epsilon() {
        return epsilon;
    }

    /** The first and the second moment, in that order (as DL4J's Adam keeps them). */
    @Override
    public long stateSize(long numParams) {
        return 2 * numParams;
    }

    @Override
    public GradientUpdater<Adam> instantiate(INDArray viewArray, boolean initializeViewArray) {
        var step = new AdamStep(this);
        step.setStateViewArray(viewArray, new long[] {1, viewArray.length() / 2}, 'c', initializeViewArray);
        return step;
    }

    @Override
    public GradientUpdater<Adam> instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        var step = new AdamStep(this);
        step.setState(updaterState, initializeStateArrays);
        return step;
    }

    @Override
    public Adam clone() {
        return new Adam(learningRate(), beta1, beta2, epsilon);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Adam other && other.learningRate() == learningRate() && other.beta1 == beta1
                && other.beta2 == beta2 && other.epsilon == epsilon;
    }

    @Override
    public int hashCode() {
        return Objects.hash(learningRate(), beta1, beta2, epsilon);
    }

    @Override
    public String toString() {
        return "Adam(lr=" + learningRate() + ", betas=(" + beta1 + ", " + beta2 + "), eps=" + epsilon + ")";
    }
}
