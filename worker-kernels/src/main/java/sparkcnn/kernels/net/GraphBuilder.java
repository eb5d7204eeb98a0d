package sparkcnn.kernels.net;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import sparkcnn.kernels.arch.ConvSpec;
import sparkcnn.kernels.arch.FcSpec;
import sparkcnn.kernels.arch.Geometry;
import sparkcnn.kernels.arch.LayerSpec;
import sparkcnn.kernels.arch.PoolSpec;
import sparkcnn.kernels.arch.ReluSpec;
import sparkcnn.kernels.arch.SoftmaxOutputSpec;
import sparkcnn.kernels.arch.Volume;

/**
 * Turns a chain of layer specs into a DL4J computation graph whose vertices carry the specs' names.
 * The geometry is checked first, so an impossible layer fails here with its name, not deep in DL4J.
 * A ReLU right after a CONV or FC becomes that layer's activation (one vertex, no extra copy).
 */
public final class GraphBuilder {
    public static final String INPUT = "input";

    private GraphBuilder() {
    }

    public static ComputationGraphConfiguration build(Volume input, List<LayerSpec> layers,
                                                      Optimizer optimizer, long seed) {
        Geometry.outputs(input, layers);
        var graph = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(optimizer.toUpdater())
                .weightDecay(optimizer.weightDecay())
                .weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Truncate)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder()
                .addInputs(INPUT)
                .setInputTypes(InputType.convolutional(input.height(), input.width(), input.depth()));
        String previous = INPUT;
        String output = null;
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec spec = layers.get(i);
            boolean reluFollows = i + 1 < layers.size() && layers.get(i + 1) instanceof ReluSpec;
            boolean fusesRelu = reluFollows && (spec instanceof ConvSpec || spec instanceof FcSpec);
            Layer layer = toLayer(spec, fusesRelu ? Activation.RELU : Activation.IDENTITY);
            graph.addLayer(spec.name(), layer, previous);
            previous = spec.name();
            if (spec instanceof SoftmaxOutputSpec) {
                output = spec.name();
            }
            if (fusesRelu) {
                i++; // the ReLU is now this layer's activation
            }
        }
        if (output == null || !output.equals(previous)) {
            throw new IllegalArgumentException("a network must end with its softmax output layer");
        }
        return graph.setOutputs(output).build();
    }

    private static Layer toLayer(LayerSpec spec, Activation activation) {
        if (spec instanceof ConvSpec c) {
            return new ConvolutionLayer.Builder(c.size(), c.size())
                    .stride(c.stride(), c.stride())
                    .padding(c.padding(), c.padding())
                    .nOut(c.filters())
                    .activation(activation)
                    .build();
        }
        if (spec instanceof PoolSpec p) {
            return new SubsamplingLayer.Builder(p.kind() == PoolSpec.Kind.MAX ? PoolingType.MAX : PoolingType.AVG)
                    .kernelSize(p.size(), p.size())
                    .stride(p.stride(), p.stride())
                    .build();
        }
        if (spec instanceof FcSpec f) {
            return new DenseLayer.Builder().nOut(f.units()).activation(activation).build();
        }
        if (spec instanceof SoftmaxOutputSpec s) {
            return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .nOut(s.classes())
                    .activation(Activation.SOFTMAX)
                    .weightInit(WeightInit.XAVIER)
                    .build();
        }
        return new ActivationLayer.Builder().activation(Activation.RELU).build();
    }
}
