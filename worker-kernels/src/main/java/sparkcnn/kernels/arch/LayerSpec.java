package sparkcnn.kernels.arch;

import java.io.Serializable;

/** One layer of the cs231n vocabulary (plus DenseNet's). Every layer has a name that errors and reports use. */
public sealed interface LayerSpec extends Serializable
        permits ConvSpec, PoolSpec, ReluSpec, BatchNormSpec, DropoutSpec, GlobalAvgPoolSpec, ConcatSpec, FcSpec,
        SoftmaxOutputSpec {

    String name();

    /** Short type name for reports: CONV, POOL, RELU... */
    String type();
}
