package sparkcnn.kernels.optim;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * One Adam step on a block of parameters, as {@code torch.optim.Adam} takes it at step t:
 * <pre>
 *   m  = beta1 * m + (1 - beta1) * g
 *   v  = beta2 * v + (1 - beta2) * g^2
 *   p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * t is DL4J's iteration count + 1, which the run carries over rounds and checkpoints.
 */
final class AdamStep implements GradientUpdater<Adam> {
    static final String M = "M";
    static final String V = "V";
    private final Adam config;
    private INDArray m;
    private INDArray v;

    AdamStep(Adam config) {
        this.config = config;
    }

    @Override
    public Adam getConfig() {
        return config;
    }

    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        m = stateMap.get(M);
        v = stateMap.get(V);
        if (initialize) {
            m.assign(0);
            v.assign(0);
        }
    }

    @Override
    public Map<String, INDArray> getState() {
        return Map.of(M, m, V, v);
    }

    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
        if (initialize) {
            viewArray.assign(0);
        }
        long half = viewArray.length() / 2;
        m = Shape.newShapeNoCopy(viewArray.get(NDArrayIndex.point(0), NDArrayIndex.interval(0, half)),
                gradientShape, gradientOrder == 'f');
        v = Shape.newShapeNoCopy(viewArray.get(NDArrayIndex.point(0), NDArrayIndex.interval(half, 2 * half)),
                gradientShape, gradientOrder == 'f');
        if (m == null || v == null) {
            throw new IllegalStateException("could not view Adam's moments in the gradient's shape");
        }
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        int t = iteration + 1;
        double beta1 = config.beta1();
        double beta2 = config.beta2();
        m.muli(beta1).addi(gradient.mul(1 - beta1));
        v.muli(beta2).addi(gradient.mul(gradient).muli(1 - beta2));
        INDArray denominator = Transforms.sqrt(v, true).divi(Math.sqrt(1 - Math.pow(beta2, t))).addi(config.epsilon());
        double stepSize = config.getLearningRate(iteration, epoch) / (1 - Math.pow(beta1, t));
        gradient.assign(m).muli(stepSize).divi(denominator);
    }
}
