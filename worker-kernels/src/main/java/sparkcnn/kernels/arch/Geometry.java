package sparkcnn.kernels.arch;

import java.util.ArrayList;
import java.util.List;

/**
 * Output volumes, layer by layer, by the cs231n formulas: a conv gives W2 = (W1 - F + 2P)/S + 1 and
 * D2 = K; a pool gives W2 = (W1 - F)/S + 1 and keeps the depth. A layer where the division is not
 * exact is rejected, naming the layer, before any network is built.
 */
public final class Geometry {
    private Geometry() {
    }

    /** The output volume of every layer, in order, for the given input. */
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
        if (layer instanceof ConvSpec c) {
            return new Volume(
                    slide(c.name(), "width", in.width(), c.size(), c.padding(), c.stride()),
                    slide(c.name(), "height", in.height(), c.size(), c.padding(), c.stride()),
                    c.filters());
        }
        if (layer instanceof PoolSpec p) {
            return new Volume(
                    slide(p.name(), "width", in.width(), p.size(), 0, p.stride()),
                    slide(p.name(), "height", in.height(), p.size(), 0, p.stride()),
                    in.depth());
        }
        if (layer instanceof FcSpec f) {
            return new Volume(1, 1, f.units());
        }
        if (layer instanceof SoftmaxOutputSpec s) {
            return new Volume(1, 1, s.classes());
        }
        return in; // ReLU keeps the volume
    }

    /** (W - F + 2P)/S + 1, only when it is a whole number >= 1. */
    static int slide(String layer, String axis, int w, int f, int p, int s) {
        if (f < 1 || s < 1 || p < 0) {
            throw new GeometryException(String.format(
                    "layer '%s': needs F >= 1, S >= 1, P >= 0, got F=%d, S=%d, P=%d", layer, f, s, p));
        }
        int span = w - f + 2 * p;
        if (span < 0 || span % s != 0) {
            throw new GeometryException(String.format(
                    "layer '%s': output %s (W - F + 2P)/S + 1 = (%d - %d + 2*%d)/%d + 1 = %s is not a whole number >= 1"
                            + " (W=%d, F=%d, P=%d, S=%d); change the stride, padding or filter size",
                    layer, axis, w, f, p, s, formatRatio(span, s), w, f, p, s));
        }
        return span / s + 1;
    }

    private static String formatRatio(int span, int s) {
        double value = (double) span / s + 1;
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }
}
