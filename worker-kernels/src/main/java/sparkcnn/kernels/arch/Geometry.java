package sparkcnn.kernels.arch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Output volumes, layer by layer, by the cs231n formulas: a conv gives W2 = (W1 - F + 2P)/S + 1 and
 * D2 = K; a pool gives W2 = (W1 - F + 2P)/S + 1 (P is 0 in the notes) and keeps the depth. A layer
 * where the division is not exact is rejected, naming the layer, before any network is built;
 * layers marked {@link Rounding#FLOOR} take the floor instead, as the ImageNet stems do.
 */
public final class Geometry {
    private Geometry() {
    }

    /** The output volume of every node, keyed by name, the input first. */
    public static Map<String, Volume> shapes(Architecture net) {
        Map<String, Volume> shapes = new LinkedHashMap<>();
        shapes.put(Architecture.INPUT, net.input());
        for (Architecture.Node node : net.nodes()) {
            List<Volume> inputs = node.inputs().stream().map(shapes::get).toList();
            shapes.put(node.name(), output(node.layer(), inputs));
        }
        return shapes;
    }

    /** The output volume of every layer of a chain, in order. */
    public static List<Volume> outputs(Volume input, List<LayerSpec> layers) {
        List<Volume> volumes = new ArrayList<>(layers.size());
        Volume v = input;
        for (LayerSpec layer : layers) {
            v = output(layer, v);
            volumes.add(v);
        }
        return volumes;
    }

    public static Volume output(LayerSpec layer, Volume in) {
        return output(layer, List.of(in));
    }

    public static Volume output(LayerSpec layer, List<Volume> inputs) {
        if (!(layer instanceof ConcatSpec) && inputs.size() != 1) {
            throw new GeometryException("layer '" + layer.name() + "' takes one input, got " + inputs.size());
        }
        Volume in = inputs.get(0);
        return layer.accept(new OutputVolume(in, inputs));
    }

    private static Volume concat(ConcatSpec c, List<Volume> inputs) {
        if (inputs.size() < 2) {
            throw new GeometryException("layer '" + c.name() + "' concatenates, so it needs two or more inputs");
        }
        Volume first = inputs.get(0);
        int depth = 0;
        for (Volume v : inputs) {
            if (v.width() != first.width() || v.height() != first.height()) {
                throw new GeometryException("layer '" + c.name() + "' concatenates volumes of different sizes: " + inputs);
            }
            depth += v.depth();
        }
        return new Volume(first.width(), first.height(), depth);
    }

    /** (W - F + 2P)/S + 1: a whole number >= 1, or its floor where the layer asks for it. */
    static int slide(String layer, String axis, int w, int f, int p, int s, Rounding rounding) {
        if (f < 1 || s < 1 || p < 0) {
            throw new GeometryException(String.format(
                    "layer '%s': needs F >= 1, S >= 1, P >= 0, got F=%d, S=%d, P=%d", layer, f, s, p));
        }
        int span = w - f + 2 * p;
        boolean whole = span % s == 0 || rounding == Rounding.FLOOR;
        if (span < 0 || !whole) {
            throw new GeometryException(String.format(
                    "layer '%s': output %s (W - F + 2P)/S + 1 = (%d - %d + 2*%d)/%d + 1 = %s is not a whole number >= 1"
                            + " (W=%d, F=%d, P=%d, S=%d); change the stride, padding or filter size",
                    layer, axis, w, f, p, s, formatRatio(span, s), w, f, p, s));
        }
        return Math.floorDiv(span, s) + 1;
    }

    private static String formatRatio(int span, int s) {
        double value = (double) span / s + 1;
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }

    /** The output volume of each kind of layer, from its input volume(s). */
    private record OutputVolume(Volume in, List<Volume> inputs) implements LayerSpec.Visitor<Volume> {
        @Override
        public Volume conv(ConvSpec c) {
            return new Volume(
                    slide(c.name(), "width", in.width(), c.size(), c.padding(), c.stride(), c.rounding()),
                    slide(c.name(), "height", in.height(), c.size(), c.padding(), c.stride(), c.rounding()),
                    c.filters());
        }

        @Override
        public Volume pool(PoolSpec p) {
            return new Volume(
                    slide(p.name(), "width", in.width(), p.size(), p.padding(), p.stride(), p.rounding()),
                    slide(p.name(), "height", in.height(), p.size(), p.padding(), p.stride(), p.rounding()),
                    in.depth());
        }

        @Override
        public Volume relu(ReluSpec relu) {
            return in;
        }

        @Override
        public Volume batchNorm(BatchNormSpec batchNorm) {
            return in;
        }

        @Override
        public Volume dropout(DropoutSpec dropout) {
            return in;
        }

        @Override
        public Volume globalAvgPool(GlobalAvgPoolSpec globalAvgPool) {
            return new Volume(1, 1, in.depth());
        }

        @Override
        public Volume concat(ConcatSpec c) {
            return Geometry.concat(c, inputs);
        }

        @Override
        public Volume fc(FcSpec f) {
            return new Volume(1, 1, f.units());
        }

        @Override
        public Volume softmaxOutput(SoftmaxOutputSpec s) {
            return new Volume(1, 1, s.classes());
        }
    }
}
