package sparkcnn.jobs.train;

import sparkcnn.jobs.cli.ModelTarget;
import com.typesafe.config.ConfigException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import sparkcnn.driver.run.RunLayout;
import sparkcnn.jobs.model.TrainedModel;
import sparkcnn.kernels.net.Transfer;
import sparkcnn.kernels.train.ModelState;

/**
 * Fine-tuning ({@code train.init-from}): a trained model's weights as the start of a new run, with a
 * fresh classifier where the class count differs and layers up to {@code train.freeze-until}
 * frozen (DL4J's transfer learning: frozen layers keep their weights, so averaging keeps them too).
 */
final class FineTune {
    private FineTune() {
    }

    static ModelState start(String initFrom, String freezeUntil, TrainSpec spec,
                            org.deeplearning4j.nn.conf.ComputationGraphConfiguration architecture, Configuration hadoop) {
        String model = ModelTarget.modelOf(initFrom);
        ComputationGraph trained = TrainedModel.load(new Path(model), hadoop);
        int classes = spec.model().classes();
        var output = trained.getOutputLayer(0).conf().getLayer();
        int trainedClasses = output instanceof FeedForwardLayer ff ? (int) ff.getNOut() : -1;
        // the trained model must take this run's input; its classes may differ (a new classifier)
        TrainedModel.requireMatches(trained, spec.model().input(), trainedClasses, model);
        if (freezeUntil == null && trainedClasses == classes) {
            // the same network with this run's optimiser: model.* must describe the trained one
            var graph = new ComputationGraph(architecture);
            graph.init();
            if (graph.numParams() != trained.numParams()) {
                throw new ConfigException.BadValue("train.init-from", model + " has " + trained.numParams()
                        + " parameters, the network of model.* " + graph.numParams() + ": describe the trained network");
            }
            graph.setParams(trained.params());
            return ModelState.of(graph);
        }
        try {
            return ModelState.of(Transfer.newClassifier(trained, freezeUntil, classes, spec.optimizer(), spec.seed()));
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue("train.freeze-until", e.getMessage());
        }
    }

    /**
     * A fine-tuned network sees its inputs scaled as when it was trained: the trained run's
     * normalisation statistics, where it normalised, become this run's.
     */
    static void inheritNormalization(String initFrom, RunLayout run, Configuration hadoop) {
        RunLayout trained = RunLayout.of(ModelTarget.runDirOf(initFrom), hadoop);
        if (!run.has(RunLayout.NORMALIZATION)) {
            trained.normalization().ifPresent(run::writeNormalization);
        }
    }
}
