package sparkcnn.kernels.arch;

/** POOL: max or average over F x F windows at stride S, depth unchanged. */
public record PoolSpec(String name, Kind kind, int size, int stride) implements LayerSpec {

    public enum Kind { MAX, AVG }

    /** The usual 2x2 max pool at stride 2, halving width and height. */
    public static PoolSpec max2x2(String name) {
        return new PoolSpec(name, Kind.MAX, 2, 2);
    }
}
