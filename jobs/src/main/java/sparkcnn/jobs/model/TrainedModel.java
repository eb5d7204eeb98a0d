package sparkcnn.jobs.model;

import com.typesafe.config.ConfigException;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import sparkcnn.driver.run.RunLayout;
import sparkcnn.kernels.arch.ModelSpec;
import sparkcnn.kernels.arch.Volume;

/**
 * A trained model (a model.zip, local or on any Hadoop FS) with the run directory beside it, which
 * supplies its class names and normalisation; what evaluate and predict score with.
 */
public record TrainedModel(String name, ComputationGraph graph, RunLayout run) {
    /** The model at {@code model}, checked to take the input and score the classes of {@code spec}. */
    public static TrainedModel open(String model, ModelSpec spec, Configuration conf) {
        Path path = new Path(model);
        ComputationGraph graph = load(path, conf);
        requireMatches(graph, spec.input(), spec.classes(), model);
        return new TrainedModel(model, graph, RunLayout.of(path.getParent().toString(), conf));
    }

    /** A model.zip on any Hadoop file system. */
    public static ComputationGraph load(Path model, Configuration conf) {
        try (var in = model.getFileSystem(conf).open(model)) {
            return ModelSerializer.restoreComputationGraph(in, false);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read the model " + model + ": " + e.getMessage(), e);
        }
    }

    /** The model must take the config's input and score its classes, or every number would be wrong. */
    public static void requireMatches(ComputationGraph graph, Volume input, int classes, String model) {
        var outputLayer = graph.getOutputLayer(0).conf().getLayer();
        if (outputLayer instanceof FeedForwardLayer ff && ff.getNOut() != classes) {
            throw new ConfigException.BadValue("model.classes", "is " + classes + ", but " + model + " has "
                    + ff.getNOut() + " outputs");
        }
        // one blank image of the config's input through the network: a model made for another input size fails here
        try {
            graph.output(Nd4j.zeros(DataType.FLOAT, 1, input.depth(), input.height(), input.width()));
        } catch (RuntimeException e) {
            throw new ConfigException.BadValue("model.input", "is " + input + ", but " + model
                    + " does not take that input: " + e.getMessage());
        }
    }
}
