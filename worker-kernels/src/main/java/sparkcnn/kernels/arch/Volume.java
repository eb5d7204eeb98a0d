package sparkcnn.kernels.arch;

import java.io.Serializable;

/** A W x H x D activation volume, as in the cs231n notes (depth = channels). */
public record Volume(int width, int height, int depth) implements Serializable {

    public Volume {
        if (width < 1 || height < 1 || depth < 1) {
            throw new IllegalArgumentException("volume dimensions must be >= 1, got " + width + "x" + height + "x" + depth);
        }
    }

    /** Parses {@code WxHxD}, e.g. {@code 28x28x1}. */
    public static Volume parse(String text) {
        String[] parts = text.trim().toLowerCase().split("x");
        if (parts.length != 3) {
            throw new IllegalArgumentException("expected a volume WxHxD such as 28x28x1, got '" + text + "'");
        }
        try {
            return new Volume(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a volume WxHxD such as 28x28x1, got '" + text + "'");
        }
    }

    public long size() {
        return (long) width * height * depth;
    }

    @Override
    public String toString() {
        return width + "x" + height + "x" + depth;
    }
}
