package sparkcnn.kernels.arch;

/** POOL: max or average over F x F windows at stride S (and padding P, usually 0), depth unchanged. */
public record PoolSpec(String name, Kind kind, int size, int stride, int padding, Rounding rounding)
        implements LayerSpec {

    public enum Kind { MAX, AVG }

    public PoolSpec(String name, Kind kind, int size, int stride) {
        this(name, kind, size, stride, 0, Rounding.EXACT);
    }

    /** The usual 2x2 max pool at stride 2, halving width and height. */
    public static PoolSpec max2x2(String name) {
        return new PoolSpec(name, Kind.MAX, 2, 2);
    }

    @Override
    public String type() {
        return kind + "POOL" + size + "x" + size + "/" + stride;
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
        return visitor.pool(this);
    }
}
