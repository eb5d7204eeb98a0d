package sparkcnn.kernels.layers;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Where this module's own layers can run instead of DL4J's: on ND4J's CPU backend on x86-64 (the
 * platform of the oneDNN build they call), where they were measured faster (bench/results); on
 * CUDA, cuDNN's layers stay. The one place the platform is judged; whether a network uses them
 * where they can run is its {@code LayerOptions}'.
 */
public final class OwnLayers {
    private OwnLayers() {
    }

    /**
     * For a network of {@code dataType} on the ND4J backend loaded in this JVM. The kernels are
     * float32; a double network (the finite-difference gradient checks) keeps DL4J's layers.
     */
    public static boolean enabledFor(org.nd4j.linalg.api.buffer.DataType dataType) {
        return dataType == org.nd4j.linalg.api.buffer.DataType.FLOAT && enabled();
    }

    /** For the ND4J backend loaded in this JVM. */
    public static boolean enabled() {
        return enabledFor(Nd4j.getBackend().getClass().getName(), System.getProperty("os.arch"));
    }

    static boolean enabledFor(String backendClass, String arch) {
        boolean cuda = backendClass.toLowerCase(java.util.Locale.ROOT).contains("cuda")
                || backendClass.contains("JCublas");
        boolean x86 = arch.equals("amd64") || arch.equals("x86_64");
        return !cuda && x86;
    }

    /** An own layer set up as DL4J sets up its layers in {@code instantiate}: listeners, index, parameters, config. */
    static <L extends org.deeplearning4j.nn.api.Layer> L wire(L layer, org.deeplearning4j.nn.api.ParamInitializer params,
            org.deeplearning4j.nn.conf.NeuralNetConfiguration conf,
            java.util.Collection<org.deeplearning4j.optimize.api.TrainingListener> listeners, int index,
            org.nd4j.linalg.api.ndarray.INDArray paramsView, boolean initialize) {
        layer.setListeners(listeners);
        layer.setIndex(index);
        layer.setParamsViewArray(paramsView);
        layer.setParamTable(params.init(conf, paramsView, initialize));
        layer.setConf(conf);
        return layer;
    }
}
