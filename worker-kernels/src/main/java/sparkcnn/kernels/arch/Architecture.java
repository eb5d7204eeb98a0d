package sparkcnn.kernels.arch;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A network as a directed acyclic graph of named layers, in topological order: each node names the
 * nodes it reads from ({@link #INPUT} for the image). Chains (pattern nets) and DenseNets alike.
 * {@code denseBlocks} groups a DenseNet's layers into its dense blocks, which a graph may compute
 * as one layer each.
 */
public record Architecture(String name, Volume input, List<Node> nodes, List<DenseBlockSpec> denseBlocks)
        implements Serializable {
    public static final String INPUT = "input";

    /** A layer and the names of the nodes whose outputs it reads. */
    public record Node(LayerSpec layer, List<String> inputs) implements Serializable {
        public Node {
            inputs = List.copyOf(inputs);
        }

        public String name() {
            return layer.name();
        }
    }

    public Architecture {
        nodes = List.copyOf(nodes);
        denseBlocks = List.copyOf(denseBlocks);
        Set<String> seen = new HashSet<>(Set.of(INPUT));
        for (Node node : nodes) {
            for (String in : node.inputs()) {
                if (!seen.contains(in)) {
                    throw new IllegalArgumentException("layer '" + node.name() + "' reads '" + in
                            + "', which is not an earlier layer");
                }
            }
            if (!seen.add(node.name())) {
                throw new IllegalArgumentException("two layers are named '" + node.name() + "'");
            }
        }
        if (nodes.isEmpty() || !(nodes.get(nodes.size() - 1).layer() instanceof SoftmaxOutputSpec)) {
            throw new IllegalArgumentException("network '" + name + "' must end with its softmax output layer");
        }
        for (DenseBlockSpec block : denseBlocks) {
            if (!seen.containsAll(block.members())) {
                throw new IllegalArgumentException("dense block '" + block.name() + "' names layers the network lacks");
            }
        }
    }

    /** A network without dense blocks. */
    public Architecture(String name, Volume input, List<Node> nodes) {
        this(name, input, nodes, List.of());
    }

    /** A plain chain: each layer reads the one before it. */
    public static Architecture chain(String name, Volume input, List<LayerSpec> layers) {
        Builder b = builder(name, input);
        layers.forEach(b::then);
        return b.build();
    }

    public static Builder builder(String name, Volume input) {
        return new Builder(name, input);
    }

    public Node output() {
        return nodes.get(nodes.size() - 1);
    }

    public List<LayerSpec> layers() {
        return nodes.stream().map(Node::layer).toList();
    }

    /** The nodes that read {@code name}'s output. */
    public List<Node> consumers(String name) {
        return nodes.stream().filter(n -> n.inputs().contains(name)).toList();
    }

    /** Adds nodes in order; {@link #then} reads the last node added. */
    public static final class Builder {
        private final String name;
        private final Volume input;
        private final List<Node> nodes = new ArrayList<>();
        private final List<DenseBlockSpec> denseBlocks = new ArrayList<>();
        private String last = INPUT;

        private Builder(String name, Volume input) {
            this.name = name;
            this.input = input;
        }

        /** Adds {@code layer} reading {@code inputs}; returns its name. */
        public String add(LayerSpec layer, String... inputs) {
            nodes.add(new Node(layer, List.of(inputs)));
            last = layer.name();
            return last;
        }

        /** Adds {@code layer} reading the last node added; returns its name. */
        public String then(LayerSpec layer) {
            return add(layer, last);
        }

        public String last() {
            return last;
        }

        /** Declares a dense block whose layers have been added. */
        public void denseBlock(DenseBlockSpec block) {
            denseBlocks.add(block);
        }

        public Architecture build() {
            return new Architecture(name, input, nodes, denseBlocks);
        }
    }
}
