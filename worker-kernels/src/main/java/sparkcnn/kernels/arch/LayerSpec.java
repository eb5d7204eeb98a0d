package sparkcnn.kernels.arch;

import java.io.Serializable;

/** One layer of the cs231n vocabulary (plus DenseNet's). Every layer has a name that errors and reports use. */
public sealed interface LayerSpec extends Serializable
        permits ConvSpec, PoolSpec, ReluSpec, BatchNormSpec, DropoutSpec, GlobalAvgPoolSpec, ConcatSpec, FcSpec,
        SoftmaxOutputSpec {

    String name();

    /** Short type name for reports: CONV, POOL, RELU... */
    String type();

    /** Calls the visitor's method for this kind of layer. */
    <R> R accept(Visitor<R> visitor);

    /**
     * Something done to every kind of layer (its output volume, its cost, its DL4J layer): one
     * method per kind, so a new kind of layer does not compile until every such thing handles it.
     */
    interface Visitor<R> {
        R conv(ConvSpec conv);

        R pool(PoolSpec pool);

        R relu(ReluSpec relu);

        R batchNorm(BatchNormSpec batchNorm);

        R dropout(DropoutSpec dropout);

        R globalAvgPool(GlobalAvgPoolSpec globalAvgPool);

        R concat(ConcatSpec concat);

        R fc(FcSpec fc);

        R softmaxOutput(SoftmaxOutputSpec output);
    }
}
