package sparkcnn.kernels.arch;

/** RELU: max(0, x) elementwise, volume unchanged. */
public record ReluSpec(String name) implements LayerSpec {
    @Override
    public String type() {
        return "RELU";
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
        return visitor.relu(this);
    }
}
