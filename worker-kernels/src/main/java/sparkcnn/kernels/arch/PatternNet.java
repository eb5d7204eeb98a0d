package sparkcnn.kernels.arch;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The cs231n pattern {@code INPUT -> [[CONV -> RELU]*N -> POOL?]*M -> [FC -> RELU]*K -> FC}:
 * M stages of N same-padded convolutions, each stage optionally closed by a 2x2 max pool, then K
 * hidden FC layers and a softmax output.
 */
public record PatternNet(Volume input, List<Stage> stages, List<Integer> hiddenUnits, int classes)
        implements Serializable {

    /** One [[CONV -> RELU]*N -> POOL?] stage: N convolutions of K filters of size F. */
    public record Stage(int convs, int filters, int size, boolean pool) implements Serializable {
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
        List<LayerSpec> layers = new ArrayList<>();
        for (int m = 0; m < stages.size(); m++) {
            Stage stage = stages.get(m);
            String prefix = "stage" + (m + 1);
            for (int n = 1; n <= stage.convs(); n++) {
                layers.add(ConvSpec.same(prefix + "_conv" + n, stage.filters(), stage.size()));
                layers.add(new ReluSpec(prefix + "_relu" + n));
            }
            if (stage.pool()) {
                layers.add(PoolSpec.max2x2(prefix + "_pool"));
            }
        }
        for (int k = 0; k < hiddenUnits.size(); k++) {
            layers.add(new FcSpec("fc" + (k + 1), hiddenUnits.get(k)));
            layers.add(new ReluSpec("fc" + (k + 1) + "_relu"));
        }
        layers.add(new SoftmaxOutputSpec("output", classes));
        return layers;
    }
}
