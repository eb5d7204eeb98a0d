package sparkcnn.kernels.arch;

/** CONV: K filters of size F x F, stride S, zero padding P. */
public record ConvSpec(String name, int filters, int size, int stride, int padding) implements LayerSpec {

    /** 'same' padding, P = (F-1)/2 at stride 1: the output keeps the input's width and height (odd F). */
    public static ConvSpec same(String name, int filters, int size) {
        return new ConvSpec(name, filters, size, 1, (size - 1) / 2);
    }
}
