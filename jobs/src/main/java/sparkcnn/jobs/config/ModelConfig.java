package sparkcnn.jobs.config;

import static sparkcnn.jobs.config.ConfigValues.positive;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import sparkcnn.kernels.arch.DenseBlockSpec;
import sparkcnn.kernels.arch.DenseNet;
import sparkcnn.kernels.arch.ModelSpec;
import sparkcnn.kernels.arch.PatternNet;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.net.LayerOptions;

/** Reads the {@code model} section of a job config into a network spec. */
public final class ModelConfig {
    public static final List<String> TYPES = List.of("pattern", "allconv", "densenet", "densenet-b", "densenet-c",
            "densenet-bc", "densenet-121", "densenet-169", "densenet-201", "densenet-264");
    private static final Set<String> STAGE_KEYS = Set.of("convs", "filters", "size", "pool");

    private ModelConfig() {
    }

    public static ModelSpec read(Config c) {
        ModelSpec spec = network(c);
        DenseBlockSpec.Recompute recompute = wrap("model.recompute",
                () -> DenseBlockSpec.Recompute.parse(c.getString("model.recompute")));
        return spec instanceof DenseNet d ? d.withRecompute(recompute) : spec;
    }

    /** {@code model.layers}: how the layers are built where the CPU backend runs this module's own. */
    public static LayerOptions layers(Config c) {
        return wrap("model.layers.keep-up-to-maps", () -> new LayerOptions(c.getBoolean("model.layers.own"),
                c.getBoolean("model.layers.dense-blocks"), c.getInt("model.layers.keep-up-to-maps"),
                c.getBoolean("model.layers.pool-first"), c.getBoolean("model.layers.split-batch")));
    }

    private static ModelSpec network(Config c) {
        String type = c.getString("model.type");
        Volume input = input(c);
        int classes = positive(c, "model.classes");
        return switch (type) {
            case "pattern", "allconv" -> new PatternNet(input, stages(c), c.getIntList("model.hidden"), classes,
                    type.equals("allconv"));
            case "densenet", "densenet-b", "densenet-c", "densenet-bc" -> {
                boolean bottleneck = type.endsWith("-b") || type.endsWith("-bc");
                boolean compressed = type.endsWith("-c") || type.endsWith("-bc");
                double theta = compressed ? c.getDouble("model.compression") : 1.0;
                yield wrap("model.depth", () -> DenseNet.cifar(positive(c, "model.depth"), positive(c, "model.growth-rate"),
                        bottleneck, theta, input, classes, c.getDouble("model.dropout")));
            }
            case "densenet-121", "densenet-169", "densenet-201", "densenet-264" ->
                    DenseNet.imagenet(Integer.parseInt(type.substring("densenet-".length())), input, classes);
            default -> throw new ConfigException.BadValue("model.type",
                    "unknown model type '" + type + "'; expected one of " + TYPES);
        };
    }

    /** {@code value}, or the config error naming {@code key} where it is not one. */
    private static <T> T wrap(String key, java.util.function.Supplier<T> value) {
        try {
            return value.get();
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue(key, e.getMessage());
        }
    }

    private static Volume input(Config c) {
        try {
            return Volume.parse(c.getString("model.input"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue("model.input", e.getMessage());
        }
    }

    private static List<PatternNet.Stage> stages(Config c) {
        List<PatternNet.Stage> stages = new ArrayList<>();
        List<? extends Config> stageConfigs = c.getConfigList("model.stages");
        for (int i = 0; i < stageConfigs.size(); i++) {
            Config s = stageConfigs.get(i);
            String where = "model.stages[" + i + "]";
            for (String key : s.root().keySet()) {
                if (!STAGE_KEYS.contains(key)) {
                    throw new ConfigException.BadValue(where + "." + key, "unknown stage key; a stage has " + STAGE_KEYS);
                }
            }
            stages.add(new PatternNet.Stage(positive(s, "convs", where), positive(s, "filters", where),
                    positive(s, "size", where), s.getBoolean("pool")));
        }
        return stages;
    }
}
