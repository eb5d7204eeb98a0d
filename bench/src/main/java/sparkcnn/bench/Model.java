package sparkcnn.bench;

import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import sparkcnn.kernels.arch.DenseBlockSpec;
import sparkcnn.kernels.arch.DenseNet;
import sparkcnn.kernels.arch.ModelSpec;
import sparkcnn.kernels.arch.PatternNet;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.net.GraphBuilder;
import sparkcnn.kernels.net.LayerOptions;
import sparkcnn.kernels.optim.Optimizer;

/** A benchmarked network: its name (shared with the PyTorch peer), architecture, batch and how its layers are built. */
public record Model(String name, ModelSpec spec, int batch, boolean inference, boolean spark, LayerOptions layers) {
    Model(String name, ModelSpec spec, int batch, boolean inference, boolean spark) {
        this(name, spec, batch, inference, spark, LayerOptions.DEFAULT);
    }

    /** A freshly initialised network of this model, trained by SGD with Nesterov momentum as the peer is. */
    ComputationGraph newGraph() {
        ComputationGraph graph = new ComputationGraph(GraphBuilder.build(spec.architecture(), SGD, 1, layers));
        graph.init();
        return graph;
    }

    /** One minibatch of random inputs and labels, fixed by a seed. */
    DataSet syntheticBatch() {
        Volume in = spec.input();
        int classes = spec.classes();
        var random = new SplittableRandom(1);
        return new DataSet(Nd4j.rand(new int[] {batch, in.depth(), in.height(), in.width()}),
                Nd4j.eye(classes).getRows(random.ints(batch, 0, classes).toArray()));
    }

    /** A DenseNet of the benchmarks by name (densenet-bc-40, densenet-bc-100, densenet-121 ... 264) at {@code batch}. */
    static Model denseNet(String name, int batch, DenseBlockSpec.Recompute recompute, LayerOptions layers) {
        DenseNet spec = name.startsWith("densenet-bc-") ? denseNetBc(Integer.parseInt(name.substring("densenet-bc-".length())))
                : DenseNet.imagenet(Integer.parseInt(name.substring("densenet-".length())), new Volume(224, 224, 3), 1000);
        return new Model(name, spec.withRecompute(recompute), batch, true, false, layers);
    }

    /** The models the benchmarks know, each with the batch its peer runs. */
    public static final List<Model> ALL = List.of(
            new Model("pattern", new PatternNet(new Volume(28, 28, 1), List.of(new PatternNet.Stage(1, 32, 3, true),
                    new PatternNet.Stage(1, 64, 3, true)), List.of(128), 10), 128, false, true),
            new Model("densenet-bc-40", denseNetBc(40), 64, true, true),
            new Model("densenet-bc-100", denseNetBc(100), 64, true, false),
            new Model("densenet-121", DenseNet.imagenet(121, new Volume(224, 224, 3), 1000), 16, true, false));
    /** SGD with Nesterov momentum, as the peer trains. */
    static final Optimizer SGD = Optimizer.constant("nesterovs", 0.01, 0.9, 0);

    private static DenseNet denseNetBc(int depth) {
        return DenseNet.cifar(depth, 12, true, 0.5, new Volume(32, 32, 3), 10, 0);
    }

    /** The models named in {@code only} (all where it is empty). */
    public static List<Model> named(List<String> only) {
        List<Model> models = ALL.stream().filter(m -> only.isEmpty() || only.contains(m.name())).toList();
        if (models.size() < new java.util.HashSet<>(only).size() || models.isEmpty()) {
            throw new IllegalArgumentException("unknown model in --only " + only + "; bench knows "
                    + ALL.stream().map(Model::name).toList());
        }
        return models;
    }

}
