package sparkcnn.kernels.arch;

import java.io.Serializable;
import java.util.List;

/**
 * The cs231n pattern {@code INPUT -> [[CONV -> RELU]*N -> POOL?]*M -> [FC -> RELU]*K -> FC}:
 * M stages of N same-padded convolutions, each stage optionally closed by a 2x2 max pool, then K
 * hidden FC layers and a softmax output. The all-convolutional variant (Springenberg et al. 2015)
 * replaces each pool by a stride-2 convolution of the same footprint (2x2/2, so the geometry is
 * unchanged) followed by a ReLU.
 */
public record PatternNet(Volume input, List<Stage> stages, List<Integer> hiddenUnits, int classes,
                         boolean allConvolutional) implements ModelSpec {

    /** One [[CONV -> RELU]*N -> POOL?] stage: N convolutions of K filters of size F. */
    public record Stage(int convs, int filters, int size, boolean pool) implements Serializable {
    }

    public PatternNet(Volume input, List<Stage> stages, List<Integer> hiddenUnits, int classes) {
        this(input, stages, hiddenUnits, classes, false);
    }

    public PatternNet {
        stages = List.copyOf(stages);
        hiddenUnits = List.copyOf(hiddenUnits);
        if (classes < 2) {
            throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + classes);
        }
    }

    /** The layers, named after their stage and position ({@code stage2_conv1}, {@code fc1_relu}...). */
    public List<LayerSpec> layers() {
        return architecture().layers();
    }

    @Override
    public Architecture architecture() {
        var net = Architecture.builder(allConvolutional ? "allconv" : "pattern", input);
        for (int m = 0; m < stages.size(); m++) {
            Stage stage = stages.get(m);
            String prefix = "stage" + (m + 1);
            for (int n = 1; n <= stage.convs(); n++) {
                net.then(ConvSpec.same(prefix + "_conv" + n, stage.filters(), stage.size()));
                net.then(new ReluSpec(prefix + "_relu" + n));
            }
            if (stage.pool() && allConvolutional) {
                net.then(new ConvSpec(prefix + "_downconv", stage.filters(), 2, 2, 0));
                net.then(new ReluSpec(prefix + "_downrelu"));
            } else if (stage.pool()) {
                net.then(PoolSpec.max2x2(prefix + "_pool"));
            }
        }
        for (int k = 0; k < hiddenUnits.size(); k++) {
            net.then(new FcSpec("fc" + (k + 1), hiddenUnits.get(k)));
            net.then(new ReluSpec("fc" + (k + 1) + "_relu"));
        }
        net.then(new SoftmaxOutputSpec("output", classes));
        return net.build();
    }
}
