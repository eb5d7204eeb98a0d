package sparkcnn.kernels.optim;

import java.util.Arrays;
import java.util.Locale;

/** Where weight decay acts ({@code train.optimizer.weight-decay-kind}). */
public enum WeightDecay {
    /** {@code decay * p} added to the gradient before the update rule: the DenseNet paper's, PyTorch's {@code weight_decay}. */
    L2,
    /** {@code lr * decay * p} taken off the parameters after the update rule: SGDW, AdamW (Loshchilov and Hutter 2019). */
    DECOUPLED;

    public static WeightDecay parse(String name) {
        return Arrays.stream(values()).filter(k -> k.configName().equals(name.toLowerCase(Locale.ROOT))).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown weight decay kind '" + name
                        + "': expected l2 (coupled, as PyTorch's SGD) or decoupled (SGDW, AdamW)"));
    }

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
