package sparkcnn.kernels.data;

import java.io.Serializable;
import java.util.Arrays;
import java.util.SplittableRandom;
import sparkcnn.kernels.arch.Volume;

/**
 * From a stored uint8 example to the floats a network sees: an optional random augmentation, then
 * scaling to [0, 1] and per-channel normalisation {@code (x - mean[c]) / std[c]}. Examples may be
 * stored larger than the network's input ({@code crop}): ImageNet's recipe keeps images at a short
 * side of 256 and takes a random-resized crop of 224 from them in training, the centre 224 in
 * evaluation.
 *
 * @param crop the network's input size where it is smaller than the stored examples, else null
 */
public record Preprocessing(Augmentation augmentation, float[] mean, float[] std, Volume crop)
        implements Serializable {

    public Preprocessing(Augmentation augmentation, float[] mean, float[] std) {
        this(augmentation, mean, std, null);
    }

    /** Scaling to [0, 1] only. */
    public static Preprocessing scaleOnly(int channels) {
        float[] zero = new float[channels];
        float[] one = new float[channels];
        Arrays.fill(one, 1f);
        return new Preprocessing(Augmentation.NONE, zero, one);
    }

    public Preprocessing {
        if (mean.length != std.length) {
            throw new IllegalArgumentException("mean and std need one value per channel");
        }
        for (float s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("std must be > 0 per channel, got " + Arrays.toString(std));
            }
        }
    }

    /** The same normalisation without augmentation (a centre crop where there is a crop), for evaluation. */
    public Preprocessing forEvaluation() {
        return new Preprocessing(Augmentation.NONE, mean, std, crop);
    }

    /** The same, producing {@code input}-sized examples from {@code stored}-sized ones. */
    public Preprocessing withCrop(Volume stored, Volume input) {
        if (stored.width() == input.width() && stored.height() == input.height()) {
            return new Preprocessing(augmentation, mean, std, null);
        }
        if (stored.width() < input.width() || stored.height() < input.height()) {
            throw new IllegalArgumentException("examples of " + stored + " are smaller than the network's input " + input);
        }
        if (augmentation == Augmentation.CIFAR) {
            throw new IllegalArgumentException("cifar augmentation pads and crops at the stored size, " + stored
                    + ", which differs from the network's input " + input);
        }
        return new Preprocessing(augmentation, mean, std, input);
    }

    /** The volume of a preprocessed example of {@code stored}. */
    public Volume output(Volume stored) {
        return crop == null ? stored : new Volume(crop.width(), crop.height(), stored.depth());
    }

    /** Writes example {@code src} (NCHW bytes of {@code shape}) into {@code out} at {@code offset}. */
    void apply(byte[] pixels, int srcOffset, Volume shape, float[] out, int offset, SplittableRandom random) {
        int c = shape.depth();
        int h = shape.height();
        int w = shape.width();
        if (mean.length != c) {
            throw new IllegalArgumentException("normalisation has " + mean.length + " channels, images have " + c);
        }
        Volume o = output(shape);
        switch (augmentation) {
            case NONE -> centreCrop(pixels, srcOffset, c, h, w, o.height(), o.width(), out, offset);
            case CIFAR -> padCropFlip(pixels, srcOffset, c, h, w, out, offset, random);
            case IMAGENET -> resizedCropFlip(pixels, srcOffset, c, h, w, o.height(), o.width(), out, offset, random);
        }
    }

    /** The centre {@code oh x ow} of the example (all of it without a crop). */
    private void centreCrop(byte[] px, int src, int c, int h, int w, int oh, int ow, float[] out, int offset) {
        int dy = (h - oh) / 2;
        int dx = (w - ow) / 2;
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < oh; y++) {
                int from = src + (ch * h + y + dy) * w + dx;
                int to = offset + (ch * oh + y) * ow;
                for (int x = 0; x < ow; x++) {
                    out[to + x] = normalise(px[from + x] & 0xFF, ch);
                }
            }
        }
    }

    private float normalise(float value255, int channel) {
        return (value255 / 255f - mean[channel]) / std[channel];
    }

    private void padCropFlip(byte[] px, int src, int c, int h, int w, float[] out, int offset, SplittableRandom random) {
        int p = Augmentation.CIFAR_PADDING;
        int dy = random.nextInt(2 * p + 1) - p;
        int dx = random.nextInt(2 * p + 1) - p;
        boolean flip = random.nextBoolean();
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                int sy = y + dy;
                for (int x = 0; x < w; x++) {
                    int sx = (flip ? w - 1 - x : x) + dx;
                    float v = sy < 0 || sy >= h || sx < 0 || sx >= w ? 0 : px[src + (ch * h + sy) * w + sx] & 0xFF;
                    out[offset + (ch * h + y) * w + x] = normalise(v, ch);
                }
            }
        }
    }

    /** A random crop of 8-100% of the stored area, aspect 3/4 to 4/3, resized (bilinear) to {@code oh x ow}. */
    private void resizedCropFlip(byte[] px, int src, int c, int h, int w, int oh, int ow, float[] out, int offset,
                                 SplittableRandom random) {
        double cropW = w;
        double cropH = h;
        double x0 = 0;
        double y0 = 0;
        for (int attempt = 0; attempt < 10; attempt++) {
            double area = w * h * (0.08 + random.nextDouble() * 0.92);
            double ratio = Math.exp(Math.log(3.0 / 4) + random.nextDouble() * Math.log(16.0 / 9));
            double cw = Math.sqrt(area * ratio);
            double ch = Math.sqrt(area / ratio);
            if (cw <= w && ch <= h) {
                cropW = cw;
                cropH = ch;
                x0 = random.nextDouble() * (w - cw);
                y0 = random.nextDouble() * (h - ch);
                break;
            }
        }
        boolean flip = random.nextBoolean();
        for (int y = 0; y < oh; y++) {
            double sy = Math.min(h - 1, Math.max(0, y0 + (y + 0.5) * cropH / oh - 0.5));
            int y1 = (int) sy;
            int y2 = Math.min(h - 1, y1 + 1);
            double fy = sy - y1;
            for (int x = 0; x < ow; x++) {
                int xo = flip ? ow - 1 - x : x;
                double sx = Math.min(w - 1, Math.max(0, x0 + (xo + 0.5) * cropW / ow - 0.5));
                int x1 = (int) sx;
                int x2 = Math.min(w - 1, x1 + 1);
                double fx = sx - x1;
                for (int ch = 0; ch < c; ch++) {
                    int base = src + ch * h * w;
                    double top = (px[base + y1 * w + x1] & 0xFF) * (1 - fx) + (px[base + y1 * w + x2] & 0xFF) * fx;
                    double bottom = (px[base + y2 * w + x1] & 0xFF) * (1 - fx) + (px[base + y2 * w + x2] & 0xFF) * fx;
                    out[offset + (ch * oh + y) * ow + x] = normalise((float) (top * (1 - fy) + bottom * fy), ch);
                }
            }
        }
    }
}
