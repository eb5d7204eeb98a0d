package sparkcnn.jobs.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import sparkcnn.jobs.config.ModelConfig;

/** Shorthands for model config keys. */
public final class ModelOptions {
    @Option(names = "--model", paramLabel = "TYPE", description = "model.type: ${COMPLETION-CANDIDATES}",
            completionCandidates = ModelTypes.class)
    String type;
    @Option(names = "--depth", paramLabel = "L", description = "DenseNet depth (model.depth)")
    Integer depth;
    @Option(names = "--growth", paramLabel = "K", description = "DenseNet growth rate (model.growth-rate)")
    Integer growth;
    @Option(names = "--compression", paramLabel = "THETA", description = "DenseNet-C/-BC compression (model.compression)")
    Double compression;
    @Option(names = "--dropout", paramLabel = "RATE", description = "DenseNet dropout after each convolution (model.dropout)")
    Double dropout;
    @Option(names = "--input", paramLabel = "WxHxD", description = "input volume, e.g. 32x32x3 (model.input)")
    String input;
    @Option(names = "--classes", paramLabel = "N", description = "number of classes (model.classes)")
    Integer classes;

    /** The shorthands as --set overrides, added to {@code sets}. */
    public List<String> addTo(List<String> sets) {
        List<String> all = new ArrayList<>(sets);
        add(all, "model.type", type);
        add(all, "model.depth", depth);
        add(all, "model.growth-rate", growth);
        add(all, "model.compression", compression);
        add(all, "model.dropout", dropout);
        add(all, "model.input", input);
        add(all, "model.classes", classes);
        return all;
    }

    private static void add(List<String> sets, String key, Object value) {
        if (value != null) {
            sets.add(key + "=" + value);
        }
    }

    /** The model types, for help and completion. */
    static final class ModelTypes extends ArrayList<String> {
        ModelTypes() {
            super(ModelConfig.TYPES);
        }
    }
}
