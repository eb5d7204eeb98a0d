package sparkcnn.kernels.arch;

/** Dropout: drops each activation with probability {@code rate} while training. */
public record DropoutSpec(String name, double rate) implements LayerSpec {
    public DropoutSpec {
        if (!(rate > 0 && rate < 1)) {
            throw new IllegalArgumentException("layer '" + name + "': dropout rate must be in (0, 1), got " + rate);
        }
    }

    @Override
    public String type() {
        return "DROPOUT";
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
        return visitor.dropout(this);
    }
}
