package sparkcnn.kernels.cost;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import sparkcnn.kernels.arch.Architecture;
import sparkcnn.kernels.arch.BatchNormSpec;
import sparkcnn.kernels.arch.ConcatSpec;
import sparkcnn.kernels.arch.ConvSpec;
import sparkcnn.kernels.arch.DropoutSpec;
import sparkcnn.kernels.arch.FcSpec;
import sparkcnn.kernels.arch.Geometry;
import sparkcnn.kernels.arch.GlobalAvgPoolSpec;
import sparkcnn.kernels.arch.LayerSpec;
import sparkcnn.kernels.arch.PoolSpec;
import sparkcnn.kernels.arch.ReluSpec;
import sparkcnn.kernels.arch.SoftmaxOutputSpec;
import sparkcnn.kernels.arch.Volume;

/**
 * The cs231n accounting of a network, per layer and in total: output volume, parameters, stored
 * activations and forward FLOPs, and memory for a batch. The input image counts as activations
 * (the notes' INPUT row); ReLU and dropout work in place and store nothing new. Memory follows the
 * notes' rule of thumb: inference holds parameters and activations; training also holds the
 * activations' gradients, and the trainable parameters three times over (values, gradients,
 * momentum or Adam's first moment).
 */
public record CostReport(String network, Volume input, List<LayerCost> layers) {
    private static final int FLOAT_BYTES = 4;

    public static CostReport of(Architecture net) {
        Map<String, Volume> shapes = Geometry.shapes(net);
        List<LayerCost> rows = new ArrayList<>();
        rows.add(new LayerCost(Architecture.INPUT, "INPUT", net.input(), 0, 0, net.input().size(), 0));
        for (Architecture.Node node : net.nodes()) {
            List<Volume> in = node.inputs().stream().map(shapes::get).toList();
            rows.add(cost(node.layer(), in, shapes.get(node.name())));
        }
        return new CostReport(net.name(), net.input(), List.copyOf(rows));
    }

    /** Trainable parameters, batch-norm state, stored activations and forward FLOPs of one layer. */
    static LayerCost cost(LayerSpec layer, List<Volume> inputs, Volume out) {
        Volume in = inputs.get(0);
        return layer.accept(new Costs(layer, in, out));
    }

    public long trainable() {
        return layers.stream().mapToLong(LayerCost::trainable).sum();
    }

    public long state() {
        return layers.stream().mapToLong(LayerCost::state).sum();
    }

    /** Stored activation values per image, the input included. */
    public long activations() {
        return layers.stream().mapToLong(LayerCost::activations).sum();
    }

    /** Forward FLOPs per image. */
    public long flops() {
        return layers.stream().mapToLong(LayerCost::flops).sum();
    }

    /** Bytes to run inference on {@code batch} images in float32: parameters, state, activations. */
    public long inferenceBytes(int batch) {
        return FLOAT_BYTES * (trainable() + state() + (long) batch * activations());
    }

    /**
     * Bytes to train on {@code batch} images in float32: activations and their gradients, trainable
     * parameters x3 (values, gradients, momentum), and the non-trainable state.
     */
    public long trainingBytes(int batch) {
        return FLOAT_BYTES * (3 * trainable() + state() + 2L * batch * activations());
    }

    /** Each kind of layer's parameters, state, activations and FLOPs, from its input and output volumes. */
    private record Costs(LayerSpec layer, Volume in, Volume out) implements LayerSpec.Visitor<LayerCost> {
        @Override
        public LayerCost conv(ConvSpec c) {
            long weights = (long) c.size() * c.size() * in.depth() * c.filters();
            return row(weights + (c.bias() ? c.filters() : 0), 0, out.size(),
                    2L * c.size() * c.size() * in.depth() * out.size());
        }

        @Override
        public LayerCost pool(PoolSpec p) {
            return row(0, 0, out.size(), (long) p.size() * p.size() * out.size());
        }

        @Override
        public LayerCost relu(ReluSpec relu) {
            return row(0, 0, 0, out.size()); // computed in place: no activations of its own
        }

        @Override
        public LayerCost batchNorm(BatchNormSpec batchNorm) {
            return row(2L * in.depth(), 2L * in.depth(), out.size(), 2L * out.size());
        }

        @Override
        public LayerCost dropout(DropoutSpec dropout) {
            return row(0, 0, 0, out.size());
        }

        @Override
        public LayerCost globalAvgPool(GlobalAvgPoolSpec globalAvgPool) {
            return row(0, 0, out.size(), in.size());
        }

        @Override
        public LayerCost concat(ConcatSpec concat) {
            return row(0, 0, out.size(), 0);
        }

        @Override
        public LayerCost fc(FcSpec fc) {
            return dense();
        }

        @Override
        public LayerCost softmaxOutput(SoftmaxOutputSpec output) {
            return dense();
        }

        private LayerCost dense() {
            return row(in.size() * out.depth() + out.depth(), 0, out.size(), 2L * in.size() * out.depth());
        }

        private LayerCost row(long trainable, long state, long activations, long flops) {
            return new LayerCost(layer.name(), layer.type(), out, trainable, state, activations, flops);
        }
    }
}
