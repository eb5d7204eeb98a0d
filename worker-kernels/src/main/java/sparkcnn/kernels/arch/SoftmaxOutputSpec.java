package sparkcnn.kernels.arch;

/** The last FC layer with a softmax over {@code classes} scores, trained with cross-entropy loss. */
public record SoftmaxOutputSpec(String name, int classes) implements LayerSpec {
    @Override
    public String type() {
        return "FC+SOFTMAX";
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
        return visitor.softmaxOutput(this);
    }
}
