package sparkcnn.kernels.arch;

/** Global average pooling: each channel's W x H map becomes its mean, giving 1 x 1 x D. */
public record GlobalAvgPoolSpec(String name) implements LayerSpec {
    @Override
    public String type() {
        return "GAP";
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
        return visitor.globalAvgPool(this);
    }
}
