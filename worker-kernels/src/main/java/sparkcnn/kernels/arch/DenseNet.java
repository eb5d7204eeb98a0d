package sparkcnn.kernels.arch;

import java.util.List;

/**
 * DenseNet (Huang, Liu, van der Maaten, Weinberger 2017). Within a dense block every layer reads
 * the concatenation of all earlier feature maps and adds {@code growthRate} (k) maps of its own.
 * The composite layer is BN-ReLU-Conv3x3; with {@code bottleneck} (DenseNet-B) a BN-ReLU-Conv1x1 to
 * 4k maps comes first. Between blocks a transition (BN-ReLU-Conv1x1-AvgPool2x2) keeps
 * floor(theta * m) of its m maps, theta = {@code compression} (DenseNet-C when theta < 1). After the
 * last block: BN-ReLU, global average pooling and the softmax classifier. Convolutions have no bias.
 *
 * @param blockLayers       composite layers per dense block
 * @param initialFeatures   maps of the first convolution (16, or 2k for DenseNet-BC and ImageNet)
 * @param imagenetStem      7x7/2 conv and 3x3/2 max pool (ImageNet) instead of one 3x3 conv (CIFAR)
 * @param dropout           dropout rate after each convolution in the blocks and transitions, 0 for none
 * @param recompute         what its dense blocks compute again in backward instead of keeping
 */
public record DenseNet(String variant, Volume input, int classes, int growthRate, List<Integer> blockLayers,
                       boolean bottleneck, double compression, int initialFeatures, boolean imagenetStem,
                       double dropout, DenseBlockSpec.Recompute recompute) implements ModelSpec {

    /** A DenseNet whose blocks recompute as {@link DenseBlockSpec.Recompute#AUTO} says. */
    public DenseNet(String variant, Volume input, int classes, int growthRate, List<Integer> blockLayers,
                    boolean bottleneck, double compression, int initialFeatures, boolean imagenetStem, double dropout) {
        this(variant, input, classes, growthRate, blockLayers, bottleneck, compression, initialFeatures, imagenetStem,
                dropout, DenseBlockSpec.Recompute.AUTO);
    }

    public DenseNet withRecompute(DenseBlockSpec.Recompute how) {
        return new DenseNet(variant, input, classes, growthRate, blockLayers, bottleneck, compression, initialFeatures,
                imagenetStem, dropout, how);
    }

    public DenseNet {
        blockLayers = List.copyOf(blockLayers);
        if (growthRate < 1) {
            throw new IllegalArgumentException("growth rate k must be >= 1, got " + growthRate);
        }
        if (!(compression > 0 && compression <= 1)) {
            throw new IllegalArgumentException("compression theta must be in (0, 1], got " + compression);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        }
    }

    /**
     * A CIFAR-size DenseNet of depth L: 3 dense blocks of n composite layers, n = (L-4)/3, or
     * (L-4)/6 with bottlenecks (each then has two convolutions). The first convolution has 16
     * maps, or 2k for DenseNet-BC.
     */
    public static DenseNet cifar(int depth, int growthRate, boolean bottleneck, double compression,
                                 Volume input, int classes, double dropout) {
        int convsPerLayer = bottleneck ? 2 : 1;
        if (depth < 4 || (depth - 4) % (3 * convsPerLayer) != 0) {
            throw new IllegalArgumentException("a CIFAR DenseNet" + (bottleneck ? "-B" : "") + " has depth L = "
                    + (3 * convsPerLayer) + "n + 4; L=" + depth + " is not of that form");
        }
        int n = (depth - 4) / (3 * convsPerLayer);
        int initial = bottleneck && compression < 1 ? 2 * growthRate : 16;
        return new DenseNet(name(bottleneck, compression) + "-" + depth + "-k" + growthRate, input, classes,
                growthRate, List.of(n, n, n), bottleneck, compression, initial, false, dropout);
    }

    /** ImageNet DenseNet-121, -169, -201 or -264: DenseNet-BC with k = 32 and theta = 0.5. */
    public static DenseNet imagenet(int depth, Volume input, int classes) {
        List<Integer> blocks = switch (depth) {
            case 121 -> List.of(6, 12, 24, 16);
            case 169 -> List.of(6, 12, 32, 32);
            case 201 -> List.of(6, 12, 48, 32);
            case 264 -> List.of(6, 12, 64, 48);
            default -> throw new IllegalArgumentException("ImageNet DenseNets are 121, 169, 201 and 264; got " + depth);
        };
        return new DenseNet("densenet-" + depth, input, classes, 32, blocks, true, 0.5, 64, true, 0);
    }

    private static String name(boolean bottleneck, double compression) {
        return "densenet" + (bottleneck || compression < 1 ? "-" : "") + (bottleneck ? "b" : "") + (compression < 1 ? "c" : "");
    }

    @Override
    public Architecture architecture() {
        var net = Architecture.builder(variant, input);
        if (imagenetStem) {
            net.then(new ConvSpec("stem_conv7x7", initialFeatures, 7, 2, 3, false, Rounding.FLOOR));
            net.then(new BatchNormSpec("stem_bn"));
            net.then(new ReluSpec("stem_relu"));
            net.then(new PoolSpec("stem_pool", PoolSpec.Kind.MAX, 3, 2, 1, Rounding.FLOOR));
        } else {
            net.then(ConvSpec.same("stem_conv3x3", initialFeatures, 3).withoutBias());
        }
        int maps = initialFeatures;
        for (int b = 1; b <= blockLayers.size(); b++) {
            maps = denseBlock(net, b, maps);
            if (b < blockLayers.size()) {
                maps = transition(net, b, maps);
            }
        }
        net.then(new BatchNormSpec("final_bn"));
        net.then(new ReluSpec("final_relu"));
        net.then(new GlobalAvgPoolSpec("global_pool"));
        net.then(new SoftmaxOutputSpec("output", classes));
        return net.build();
    }

    /**
     * Dense block b: each composite layer's k new maps are concatenated onto everything before.
     * Declared as a block (one layer in the graph) where it has no dropout.
     */
    private int denseBlock(Architecture.Builder net, int b, int maps) {
        var block = new DenseBlockSpec("block" + b, net.last(), maps, blockLayers.get(b - 1), growthRate, bottleneck,
                recompute);
        for (int l = 1; l <= block.layers(); l++) {
            String features = net.last();
            if (bottleneck) {
                compositeConv(net, block, l, DenseBlockSpec.Part.BN1, 4 * growthRate, 1);
                compositeConv(net, block, l, DenseBlockSpec.Part.BN2, growthRate, 3);
            } else {
                compositeConv(net, block, l, DenseBlockSpec.Part.BN1, growthRate, 3);
            }
            net.add(new ConcatSpec(block.member(l, DenseBlockSpec.Part.CONCAT)), features, net.last());
        }
        if (dropout == 0) {
            net.denseBlock(block);
        }
        return block.outputMaps();
    }

    /** Composite layer l's BN-ReLU-Conv(FxF) of a block, from its batch norm {@code bn} on. */
    private void compositeConv(Architecture.Builder net, DenseBlockSpec block, int l, DenseBlockSpec.Part bn,
                               int filters, int size) {
        boolean first = bn == DenseBlockSpec.Part.BN1;
        String bnName = block.member(l, bn);
        String convName = block.member(l, first && bottleneck ? DenseBlockSpec.Part.CONV1 : DenseBlockSpec.Part.CONV2);
        String relu = block.member(l, first ? DenseBlockSpec.Part.RELU1 : DenseBlockSpec.Part.RELU2);
        String index = bottleneck ? (first ? "1" : "2") : "";
        compositeConv(net, bnName, relu, convName, filters, size, block.name() + "_layer" + l + "_dropout" + index);
    }

    /** Transition b: BN-ReLU-Conv1x1 to floor(theta * m) maps, then 2x2 average pooling. */
    private int transition(Architecture.Builder net, int b, int maps) {
        int out = (int) Math.floor(compression * maps);
        String prefix = "transition" + b;
        compositeConv(net, prefix + "_bn", prefix + "_relu", prefix + "_conv1x1", out, 1, prefix + "_dropout");
        net.then(new PoolSpec("transition" + b + "_pool", PoolSpec.Kind.AVG, 2, 2));
        return out;
    }

    /** BN-ReLU-Conv(FxF, same padding, no bias), then dropout if configured. */
    private void compositeConv(Architecture.Builder net, String bn, String relu, String conv, int filters, int size,
                               String dropoutName) {
        net.then(new BatchNormSpec(bn));
        net.then(new ReluSpec(relu));
        net.then(ConvSpec.same(conv, filters, size).withoutBias());
        if (dropout > 0) {
            net.then(new DropoutSpec(dropoutName, dropout));
        }
    }
}
