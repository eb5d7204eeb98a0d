package sparkcnn.kernels.arch;

/** Batch normalisation per channel: a trained scale and shift, and running mean and variance as state. */
public record BatchNormSpec(String name) implements LayerSpec {
    @Override
    public String type() {
        return "BN";
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
        return visitor.batchNorm(this);
    }
}
