package sparkcnn.kernels.arch;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * A dense block of a DenseNet as a group of the architecture's layers: {@code layers} composite
 * layers, each adding {@code growthRate} maps to the {@code inputMaps} it starts from, each
 * BN-ReLU-Conv3x3, with a BN-ReLU-Conv1x1 to 4k maps first where {@code bottleneck}. The one owner
 * of the names of its layers ({@code block2_layer5_conv3x3}), which the per-layer graph gives its
 * vertices and a dense block layer its parameters, so both read the same model files.
 */
public record DenseBlockSpec(String name, String input, int inputMaps, int layers, int growthRate, boolean bottleneck,
                             Recompute recompute) implements Serializable {

    /**
     * What a block computes again in backward instead of keeping from forward (Pleiss et al.): its
     * BN-ReLU outputs where keeping them would be large ({@code auto}), always ({@code bn-relu}), those
     * and the bottlenecks' 1x1 convolutions ({@code all}, torchvision's memory_efficient), nothing ({@code none}).
     */
    public enum Recompute {
        AUTO, BN_RELU, ALL, NONE;

        /** From its configuration text: auto, bn-relu, all or none. */
        public static Recompute parse(String text) {
            for (Recompute r : values()) {
                if (r.text().equals(text)) {
                    return r;
                }
            }
            throw new IllegalArgumentException("unknown recompute '" + text + "'; expected auto, bn-relu, all or none");
        }

        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /** A block that recomputes as {@link Recompute#AUTO} says. */
    public DenseBlockSpec(String name, String input, int inputMaps, int layers, int growthRate, boolean bottleneck) {
        this(name, input, inputMaps, layers, growthRate, bottleneck, Recompute.AUTO);
    }

    /** The parts of one composite layer, in the order they compute. */
    public enum Part { BN1, RELU1, CONV1, BN2, RELU2, CONV2, CONCAT }

    /** The maps composite layer l (1-based) reads: the block's input and k from each earlier layer. */
    public int mapsBefore(int l) {
        return inputMaps + (l - 1) * growthRate;
    }

    /** The maps per pixel of every layer's first BN-ReLU output together: sum of c_l. */
    public int keptMaps() {
        int maps = 0;
        for (int l = 1; l <= layers; l++) {
            maps += mapsBefore(l);
        }
        return maps;
    }

    public int outputMaps() {
        return mapsBefore(layers + 1);
    }

    /** The name of the block's output: its last layer's concatenation. */
    public String output() {
        return member(layers, Part.CONCAT);
    }

    /** The full name of a part of composite layer l, as the architecture names it. */
    public String member(int l, Part part) {
        return name + "_" + part(l, part, bottleneck);
    }

    /** Every layer of the block, in order. */
    public List<String> members() {
        List<String> names = new ArrayList<>();
        for (int l = 1; l <= layers; l++) {
            for (Part part : parts(bottleneck)) {
                names.add(member(l, part));
            }
        }
        return names;
    }

    /** The parts a composite layer has: without a bottleneck, BN1-RELU1-CONV2 and the concatenation. */
    public static List<Part> parts(boolean bottleneck) {
        return bottleneck ? List.of(Part.values()) : List.of(Part.BN1, Part.RELU1, Part.CONV2, Part.CONCAT);
    }

    /**
     * A part's name within its block: {@code layer3_bn1}, {@code layer3_conv1x1}, {@code layer3_concat};
     * without a bottleneck the BN-ReLU-Conv3x3 is {@code layer3_bn}, {@code layer3_relu}, {@code layer3_conv3x3}.
     */
    public static String part(int l, Part part, boolean bottleneck) {
        String index = bottleneck ? "1" : "";
        String suffix = switch (part) {
            case BN1 -> "bn" + index;
            case RELU1 -> "relu" + index;
            case CONV1 -> "conv1x1";
            case BN2 -> "bn2";
            case RELU2 -> "relu2";
            case CONV2 -> "conv3x3";
            case CONCAT -> "concat";
        };
        return "layer" + l + "_" + suffix;
    }
}
