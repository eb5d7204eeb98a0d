package sparkcnn.kernels.arch;

/** CONV: K filters of size F x F, stride S, zero padding P, with or without a bias per filter. */
public record ConvSpec(String name, int filters, int size, int stride, int padding, boolean bias, Rounding rounding)
        implements LayerSpec {

    public ConvSpec(String name, int filters, int size, int stride, int padding) {
        this(name, filters, size, stride, padding, true, Rounding.EXACT);
    }

    /** 'same' padding, P = (F-1)/2 at stride 1: the output keeps the input's width and height (odd F). */
    public static ConvSpec same(String name, int filters, int size) {
        return new ConvSpec(name, filters, size, 1, (size - 1) / 2);
    }

    /** 'valid' padding, P = 0 at stride 1. */
    public static ConvSpec valid(String name, int filters, int size) {
        return new ConvSpec(name, filters, size, 1, 0);
    }

    public ConvSpec withoutBias() {
        return new ConvSpec(name, filters, size, stride, padding, false, rounding);
    }

    @Override
    public String type() {
        return "CONV" + size + "x" + size + (stride > 1 ? "/" + stride : "");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
        return visitor.conv(this);
    }
}
