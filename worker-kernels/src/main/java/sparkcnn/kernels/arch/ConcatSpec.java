package sparkcnn.kernels.arch;

/** Depth concatenation of several inputs of the same width and height (DenseNet's connectivity). */
public record ConcatSpec(String name) implements LayerSpec {
    @Override
    public String type() {
        return "CONCAT";
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
        return visitor.concat(this);
    }
}
