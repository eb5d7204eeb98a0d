package sparkcnn.driver.data;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Writes a learnable ImageFolder data set of real JPEG and PNG files for tests and benchmarks: each
 * class is a bar at its own angle and colour on a noisy background, in images of varied sizes and
 * aspect ratios (some grey). On request some files are corrupt: truncated JPEGs, bytes that are no
 * image, empty files.
 */
public final class SyntheticImageFolder {
    private SyntheticImageFolder() {
    }

    /** What was written: every image path, and the corrupt ones among them. */
    public record Written(List<String> images, List<String> corrupt) {
    }

    /**
     * @param minSide  smallest image side in pixels; sides vary up to 3x that, aspect ratios 1:2 to 2:1
     * @param corrupt  corrupt files to add, spread over the classes
     */
    public static Written write(String root, Configuration conf, int classes, int perClass, int minSide,
                                int corrupt, long seed) {
        var random = new Random(seed);
        List<String> images = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        try {
            Path rootPath = new Path(root);
            FileSystem fs = rootPath.getFileSystem(conf);
            for (int c = 0; c < classes; c++) {
                Path dir = new Path(rootPath, String.format("class%02d", c));
                fs.mkdirs(dir);
                for (int i = 0; i < perClass; i++) {
                    boolean png = random.nextInt(5) == 0;
                    Path file = new Path(dir, String.format("img%05d.%s", i, png ? "png" : "jpg"));
                    write(fs, file, encode(draw(c, classes, minSide, random), png ? "png" : "jpg"));
                    images.add(file.toString());
                }
            }
            for (int k = 0; k < corrupt; k++) {
                Path dir = new Path(rootPath, String.format("class%02d", k % classes));
                Path file = new Path(dir, String.format("corrupt%03d.jpg", k));
                byte[] jpeg = encode(draw(k % classes, classes, minSide, random), "jpg");
                byte[] content = switch (k % 3) {
                    case 0 -> Arrays.copyOf(jpeg, jpeg.length / 2);      // truncated
                    case 1 -> "this is not an image".getBytes();          // not an image
                    default -> new byte[0];                               // empty
                };
                write(fs, file, content);
                images.add(file.toString());
                bad.add(file.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write synthetic images under " + root, e);
        }
        return new Written(images, bad);
    }

    /**
     * An ImageNet-shaped folder on a local disk: {@code classes} class folders holding {@code images}
     * JPEGs of ImageNet's typical 500x375, made cheaply as hard links to {@code distinct} real files
     * (in {@code root/_sources}, which a listing skips) drawn for their class's bar.
     */
    public static void imagenetShaped(java.nio.file.Path root, int classes, int images, int distinct, long seed) {
        var random = new Random(seed);
        try {
            java.nio.file.Path sources = root.resolve("_sources");
            java.nio.file.Files.createDirectories(sources);
            List<java.nio.file.Path> files = new ArrayList<>();
            for (int i = 0; i < distinct; i++) {
                java.nio.file.Path file = sources.resolve(String.format(java.util.Locale.ROOT, "source%03d.jpg", i));
                var image = new BufferedImage(500, 375, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = image.createGraphics();
                g.drawImage(draw(i % classes, classes, 375, random), 0, 0, 500, 375, null);
                g.dispose();
                java.nio.file.Files.write(file, encode(image, "jpg"));
                files.add(file);
            }
            for (int i = 0; i < images; i++) {
                int label = i % classes;
                java.nio.file.Path dir = root.resolve(String.format(java.util.Locale.ROOT, "n%08d", label));
                java.nio.file.Files.createDirectories(dir);
                java.nio.file.Files.createLink(dir.resolve(String.format(java.util.Locale.ROOT, "img%07d.jpg", i)),
                        files.get((i / classes) % files.size()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write an ImageNet-shaped folder under " + root, e);
        }
    }

    static BufferedImage draw(int label, int classes, int minSide, Random random) {
        int w = minSide + random.nextInt(2 * minSide + 1);
        int h = Math.max(minSide / 2, Math.min(2 * w, Math.max(w / 2, minSide + random.nextInt(2 * minSide + 1))));
        boolean grey = random.nextInt(8) == 0;
        var image = new BufferedImage(w, h, grey ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            for (int y = 0; y < h; y += 4) {
                for (int x = 0; x < w; x += 4) {
                    int v = 40 + random.nextInt(60);
                    g.setColor(new Color(v, v, v));
                    g.fillRect(x, y, 4, 4);
                }
            }
            double angle = Math.PI * label / classes;
            g.setColor(Color.getHSBColor((float) label / classes, 0.9f, 1f));
            g.setStroke(new BasicStroke(Math.max(3, Math.min(w, h) / 6f)));
            int cx = w / 2;
            int cy = h / 2;
            int r = Math.min(w, h) / 2;
            g.drawLine((int) (cx - r * Math.cos(angle)), (int) (cy - r * Math.sin(angle)),
                    (int) (cx + r * Math.cos(angle)), (int) (cy + r * Math.sin(angle)));
        } finally {
            g.dispose();
        }
        return image;
    }

    private static byte[] encode(BufferedImage image, String format) throws IOException {
        var bytes = new ByteArrayOutputStream();
        if (!ImageIO.write(image, format, bytes)) {
            throw new IOException("no ImageIO writer for " + format);
        }
        return bytes.toByteArray();
    }

    private static void write(FileSystem fs, Path file, byte[] content) throws IOException {
        try (OutputStream out = fs.create(file, true)) {
            out.write(content);
        }
    }
}
