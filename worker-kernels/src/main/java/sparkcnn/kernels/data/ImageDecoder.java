package sparkcnn.kernels.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReaderSpi;
import javax.imageio.ImageIO;
import javax.imageio.spi.IIORegistry;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import sparkcnn.kernels.arch.Volume;

/**
 * JPEG or PNG bytes to a uint8 NCHW example of the model's input volume: the shorter side is resized
 * (bilinear) to cover the target and the centre is cropped; grey images are replicated to RGB and
 * colour images turned to luma where the model wants one channel. A file that does not decode
 * completely (including a truncated JPEG, which Java's decoder only warns about) is rejected.
 */
public final class ImageDecoder {
    /**
     * Images with more pixels are refused before they are decoded: a few hundred bytes of PNG can
     * declare gigapixels (a decompression bomb). Pillow's threshold, far above any photograph in
     * ImageNet.
     */
    public static final long MAX_PIXELS = 89_478_485;

    static {
        // ImageIO finds plug-ins on the class path it started with; on a Spark executor the
        // application jar comes later, so TwelveMonkeys' JPEG reader (CMYK, YCCK) is registered here
        IIORegistry.getDefaultInstance().registerServiceProvider(new JPEGImageReaderSpi());
    }

    private ImageDecoder() {
    }

    public static byte[] decode(byte[] encoded, Volume shape) {
        return toExample(read(encoded), shape);
    }

    /** The decoded image at its own size. */
    public static BufferedImage read(byte[] encoded) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(encoded))) {
            var readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new CorruptImageException("not a JPEG or PNG image");
            }
            ImageReader reader = readers.next();
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((IIOReadWarningListener) (source, warning) -> {
                if (!isAboutColourProfile(warning)) { // a CMYK JPEG without ICC profile decodes all the same
                    warnings.add(warning);
                }
            });
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > MAX_PIXELS) {
                    throw new CorruptImageException(String.format(java.util.Locale.ROOT, "%d x %d pixels, more than the "
                            + "%,d an image may have (a decompression bomb?)", reader.getWidth(0), reader.getHeight(0),
                            MAX_PIXELS));
                }
                BufferedImage image = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw new CorruptImageException(String.join("; ", warnings));
                }
                return image;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof CorruptImageException c) {
                throw c;
            }
            throw new CorruptImageException(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static boolean isAboutColourProfile(String warning) {
        String w = warning.toLowerCase(java.util.Locale.ROOT);
        return w.contains("icc") || w.contains("color profile") || w.contains("colour profile");
    }

    /** Resize-and-centre-crop to {@code shape}, then NCHW bytes. */
    public static byte[] toExample(BufferedImage image, Volume shape) {
        if (shape.depth() != 1 && shape.depth() != 3) {
            throw new IllegalArgumentException("images decode to 1 or 3 channels, the model wants " + shape.depth());
        }
        int w = shape.width();
        int h = shape.height();
        double scale = Math.max((double) w / image.getWidth(), (double) h / image.getHeight());
        int scaledW = (int) Math.round(image.getWidth() * scale);
        int scaledH = (int) Math.round(image.getHeight() * scale);
        var target = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = target.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(asStored(image), -(scaledW - w) / 2, -(scaledH - h) / 2, scaledW, scaledH, null);
        } finally {
            g.dispose();
        }
        int[] rgb = target.getRGB(0, 0, w, h, null, 0, w);
        byte[] out = new byte[(int) shape.size()];
        int plane = w * h;
        for (int i = 0; i < plane; i++) {
            int r = (rgb[i] >> 16) & 0xFF;
            int gr = (rgb[i] >> 8) & 0xFF;
            int b = rgb[i] & 0xFF;
            if (shape.depth() == 1) {
                out[i] = (byte) Math.round(0.299 * r + 0.587 * gr + 0.114 * b);
            } else {
                out[i] = (byte) r;
                out[plane + i] = (byte) gr;
                out[2 * plane + i] = (byte) b;
            }
        }
        return out;
    }

    /**
     * A grey image with its stored values as R = G = B. Java2D treats grey as linear light and
     * brightens it on the way to sRGB (a stored 54 reads as 127), which PIL, OpenCV and libjpeg
     * do not; the values the file holds are what the model should see.
     */
    static BufferedImage asStored(BufferedImage image) {
        if (image.getColorModel().getNumColorComponents() != 1) {
            return image;
        }
        var raster = image.getRaster();
        int bits = raster.getSampleModel().getSampleSize(0);
        int max = (1 << bits) - 1;
        int w = image.getWidth();
        int[] grey = raster.getSamples(0, 0, w, image.getHeight(), 0, (int[]) null);
        int[] rgb = new int[grey.length];
        for (int i = 0; i < grey.length; i++) {
            int v = bits == 8 ? grey[i] : (grey[i] * 255 + max / 2) / max;
            rgb[i] = v << 16 | v << 8 | v;
        }
        var out = new BufferedImage(w, image.getHeight(), BufferedImage.TYPE_INT_RGB);
        out.setRGB(0, 0, w, image.getHeight(), rgb, 0, w);
        return out;
    }
}
