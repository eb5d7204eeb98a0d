package sparkcnn.kernels.arch;

/** FC: a fully connected layer of {@code units} neurons, each seeing the whole input volume. */
public record FcSpec(String name, int units) implements LayerSpec {
    @Override
    public String type() {
        return "FC";
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
        return visitor.fc(this);
    }
}
