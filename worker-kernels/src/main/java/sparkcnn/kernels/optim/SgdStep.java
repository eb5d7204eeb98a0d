package sparkcnn.kernels.optim;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * One SGD step on a block of parameters, as {@code torch.optim.SGD} takes it (dampening 0):
 * <pre>
 *   buf = momentum * buf + g
 *   d   = nesterov ? g + momentum * buf : buf
 *   p  -= lr * d
 * </pre>
 * DL4J subtracts what this leaves in the gradient array, so it leaves {@code lr * d} there. Any
 * weight decay is DL4J's regularisation around this step ({@link WeightDecay}).
 */
final class SgdStep implements GradientUpdater<Sgd> {
    static final String BUFFER = "momentum_buffer";
    private final Sgd config;
    private INDArray buffer;

    SgdStep(Sgd config) {
        this.config = config;
    }

    @Override
    public Sgd getConfig() {
        return config;
    }

    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        buffer = stateMap.get(BUFFER);
        if (buffer != null && initialize) {
            buffer.assign(0);
        }
    }

    @Override
    public Map<String, INDArray> getState() {
        return buffer == null ? Map.of() : Map.of(BUFFER, buffer);
    }

    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
        if (initialize) {
            viewArray.assign(0);
        }
        buffer = Shape.newShapeNoCopy(viewArray, gradientShape, gradientOrder == 'f');
        if (buffer == null) {
            throw new IllegalStateException("could not view the momentum buffer in the gradient's shape");
        }
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        double momentum = config.momentum();
        if (momentum != 0) {
            buffer.muli(momentum).addi(gradient);
            if (config.nesterov()) {
                gradient.addi(buffer.mul(momentum));
            } else {
                gradient.assign(buffer);
            }
        }
        gradient.muli(config.getLearningRate(iteration, epoch));
    }
}
