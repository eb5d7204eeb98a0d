import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_2;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Images per second on one core (run it under {@code taskset -c 0}) for libjpeg-turbo through
 * OpenCV's imdecode on the 60 photo-like JPEGs of {@code bench decode} (500x375; every third
 * 1000x750): decode alone, decode and resize to cover 224, and with DCT-domain scaling
 * (IMREAD_REDUCED_COLOR_2, libjpeg's scale_denom) for the images at least twice the target.
 */
public final class OpenCvDecode {
    public static void main(String[] args) throws Exception {
        org.bytedeco.javacpp.Loader.load(org.bytedeco.opencv.global.opencv_imgcodecs.class);
        List<byte[]> photos = photos();
        System.out.printf("decode: %.1f img/s%n", rate(photos, false, false));
        System.out.printf("decode + resize: %.1f img/s%n", rate(photos, true, false));
        System.out.printf("DCT-scaled decode + resize: %.1f img/s%n", rate(photos, true, true));
    }

    /** The same generator as DecodeBench.readers. */
    static List<byte[]> photos() throws Exception {
        var random = new Random(3);
        List<byte[]> photos = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            int w = i % 3 == 0 ? 1000 : 500;
            int h = w * 3 / 4;
            var image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int n = random.nextInt(48);
                    image.setRGB(x, y, ((x * 255 / w + n) & 0xFF) << 16 | ((y * 255 / h + n) & 0xFF) << 8 | (128 + n));
                }
            }
            var out = new ByteArrayOutputStream();
            ImageIO.write(image, "jpg", out);
            photos.add(out.toByteArray());
        }
        return photos;
    }

    /** Median of five passes after one warm-up. */
    static double rate(List<byte[]> photos, boolean resize, boolean dctScaled) {
        double[] rates = new double[5];
        for (int pass = 0; pass < 6; pass++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < photos.size(); i++) {
                byte[] jpeg = photos.get(i);
                int flag = dctScaled && i % 3 == 0 ? IMREAD_REDUCED_COLOR_2 : IMREAD_COLOR;
                try (var bytes = new BytePointer(jpeg); var encoded = new Mat(1, jpeg.length, CV_8UC1, bytes);
                        Mat image = imdecode(encoded, flag)) {
                    if (resize) {
                        double s = Math.max(224.0 / image.cols(), 224.0 / image.rows());
                        try (Mat scaled = new Mat()) {
                            resize(image, scaled, new Size((int) Math.round(image.cols() * s),
                                    (int) Math.round(image.rows() * s)), 0, 0, INTER_LINEAR);
                            byte[] pixels = new byte[224 * 224 * 3];
                            scaled.data().get(pixels, 0, pixels.length);
                        }
                    }
                }
            }
            if (pass > 0) {
                rates[pass - 1] = photos.size() / ((System.nanoTime() - t0) / 1e9);
            }
        }
        Arrays.sort(rates);
        return rates[2];
    }
}
