package sparkcnn.kernels.layers;

import java.util.List;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * DL4J's batch normalisation whose scale and shift take the layer's weight decay, as PyTorch's
 * and the DenseNet paper's optimisers decay every trainable parameter (DL4J decays neither). The
 * running statistics are never decayed.
 */
public class BatchNorm extends BatchNormalization {

    /** DL4J's defaults: decay 0.9, eps 1e-5, running log10 std. */
    public BatchNorm() {
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return isScaleOrShift(paramName) ? getRegularization() : null;
    }

    static boolean isScaleOrShift(String paramName) {
        return paramName.equals(BatchNormalizationParamInitializer.GAMMA)
                || paramName.equals(BatchNormalizationParamInitializer.BETA);
    }

    @Override
    public BatchNorm clone() {
        return (BatchNorm) super.clone();
    }
}
