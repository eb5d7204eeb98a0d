package sparkcnn.kernels.arch;

import java.io.Serializable;

/** One layer of the cs231n vocabulary. Every layer has a name that errors and reports use. */
public sealed interface LayerSpec extends Serializable
        permits ConvSpec, PoolSpec, ReluSpec, FcSpec, SoftmaxOutputSpec {

    String name();
}
