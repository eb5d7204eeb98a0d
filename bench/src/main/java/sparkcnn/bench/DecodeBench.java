package sparkcnn.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import sparkcnn.driver.data.SyntheticImageFolder;
import sparkcnn.jobs.report.Stats;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.data.Augmentation;
import sparkcnn.kernels.data.ExampleBlock;
import sparkcnn.kernels.data.ImageDecoder;
import sparkcnn.kernels.data.Preprocessing;

/**
 * {@code bench decode}: images per second on one core for the worker's input path at ImageNet
 * size (read JPEG bytes, decode, resize and centre-crop to 224x224x3, ImageNet augmentation to
 * floats), and the bytes per image of the exported minibatch format. Medians of repeated passes.
 */
public final class DecodeBench {
    static final Volume IMAGENET = new Volume(224, 224, 3);

    private DecodeBench() {
    }

    public static Map<String, Object> run(int images, int passes, File outDir, PrintStream out) {
        try {
            List<byte[]> jpegs = syntheticJpegs(images);
            long jpegBytes = jpegs.stream().mapToLong(b -> b.length).sum();
            var pre = new Preprocessing(Augmentation.IMAGENET, new float[] {0.485f, 0.456f, 0.406f},
                    new float[] {0.229f, 0.224f, 0.225f});
            double[] decodeRates = new double[passes];
            double[] augmentRates = new double[passes];
            byte[] stored = new byte[(int) IMAGENET.size() * jpegs.size()]; // touched once, by the warm-up pass
            for (int pass = 0; pass < passes + 1; pass++) { // the first pass warms up the JIT
                double[] seconds = decodeAndAugment(jpegs, stored, pre, pass);
                if (pass > 0) {
                    decodeRates[pass - 1] = jpegs.size() / seconds[0];
                    augmentRates[pass - 1] = jpegs.size() / seconds[1];
                }
            }
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("images", jpegs.size());
            result.putAll(readers(passes));
            result.put("mean_jpeg_bytes", jpegBytes / jpegs.size());
            result.put("decode_resize_crop_images_per_second_per_core", Stats.median(decodeRates));
            result.put("decode_and_imagenet_augment_images_per_second_per_core", Stats.median(augmentRates));
            // header 24 bytes per file, then (id, label) = 12 bytes and the pixels per image, at batch 256
            result.put("exported_bytes_per_image_224x224x3_batch256", IMAGENET.size() + 12 + 24.0 / 256);
            result.put("float32_bytes_per_image", 4 * IMAGENET.size());
            result.put("passes", passes);
            result.put("java", System.getProperty("java.version"));
            result.put("cores", Runtime.getRuntime().availableProcessors());
            write(result, outDir, out);
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** About {@code images} JPEGs: ImageNet's average about 400x350; sides here vary from 200 to 600 pixels. */
    private static List<byte[]> syntheticJpegs(int images) throws IOException {
        Path dir = Files.createTempDirectory("sparkcnn-decode-bench");
        var written = SyntheticImageFolder.write(dir.toUri().toString(), new Configuration(), 4, (images + 3) / 4, 200,
                0, 7);
        List<byte[]> jpegs = new ArrayList<>();
        for (String path : written.images()) {
            jpegs.add(Files.readAllBytes(Path.of(java.net.URI.create(path))));
        }
        return jpegs;
    }

    /** Seconds to decode the JPEGs to ImageNet's input, and to decode and augment them. */
    private static double[] decodeAndAugment(List<byte[]> jpegs, byte[] stored, Preprocessing pre, int pass) {
        long t0 = System.nanoTime();
        for (int i = 0; i < jpegs.size(); i++) {
            System.arraycopy(ImageDecoder.decode(jpegs.get(i), IMAGENET), 0, stored, i * (int) IMAGENET.size(),
                    (int) IMAGENET.size());
        }
        long t1 = System.nanoTime();
        var block = ExampleBlock.contiguous(0, IMAGENET, stored, new int[jpegs.size()]);
        block.minibatch(block.storedOrder(), 0, block.size(), 1, pre, pass);
        long t2 = System.nanoTime();
        return new double[] {(t1 - t0) / 1e9, (t2 - t0) / 1e9};
    }

    /**
     * The JPEG readers served here, side by side on photo-like JPEGs of ImageNet's typical 500x375
     * (noise and gradients, about ImageNet's bytes per image): decode alone, and with ImageIO's
     * source subsampling (the JPEG reader's only reduced decode) where an image is twice the target.
     */
    static Map<String, Object> readers(int passes) throws IOException {
        var random = new java.util.Random(3);
        List<byte[]> photos = new ArrayList<>();
        long bytes = 0;
        for (int i = 0; i < 60; i++) {
            int w = i % 3 == 0 ? 1000 : 500; // a third twice as large, where subsampling can apply
            int h = w * 3 / 4;
            var image = new java.awt.image.BufferedImage(w, h, java.awt.image.BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int n = random.nextInt(48);
                    image.setRGB(x, y, ((x * 255 / w + n) & 0xFF) << 16 | ((y * 255 / h + n) & 0xFF) << 8 | (128 + n));
                }
            }
            var out = new java.io.ByteArrayOutputStream();
            javax.imageio.ImageIO.write(image, "jpg", out);
            photos.add(out.toByteArray());
            bytes += out.size();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("photo_jpeg_mean_bytes", bytes / photos.size());
        for (String reader : List.of("jdk", "twelvemonkeys")) {
            for (boolean subsample : List.of(false, true)) {
                double[] rates = new double[passes];
                for (int pass = 0; pass < passes + 1; pass++) {
                    long t0 = System.nanoTime();
                    for (byte[] jpeg : photos) {
                        ImageDecoder.toExample(decode(jpeg, reader, subsample ? 224 : 0), IMAGENET);
                    }
                    if (pass > 0) {
                        rates[pass - 1] = photos.size() / ((System.nanoTime() - t0) / 1e9);
                    }
                }
                m.put(reader + (subsample ? "_subsampled" : "") + "_decode_resize_images_per_second_per_core",
                        Stats.median(rates));
            }
        }
        return m;
    }

    /** One JPEG through the named reader; with {@code target > 0} rows and columns are skipped down to it. */
    static java.awt.image.BufferedImage decode(byte[] jpeg, String which, int target) throws IOException {
        var readers = javax.imageio.ImageIO.getImageReadersByFormatName("jpeg");
        while (readers.hasNext()) {
            javax.imageio.ImageReader reader = readers.next();
            boolean twelve = reader.getClass().getName().contains("twelvemonkeys");
            if (twelve != which.equals("twelvemonkeys")) {
                continue;
            }
            try (var in = javax.imageio.ImageIO.createImageInputStream(new java.io.ByteArrayInputStream(jpeg))) {
                reader.setInput(in);
                var param = reader.getDefaultReadParam();
                if (target > 0) {
                    int s = Math.max(1, Math.min(reader.getWidth(0), reader.getHeight(0)) / target);
                    param.setSourceSubsampling(s, s, 0, 0);
                }
                return reader.read(0, param);
            } finally {
                reader.dispose();
            }
        }
        throw new IllegalStateException("no " + which + " JPEG reader");
    }

    private static void write(Map<String, Object> result, File outDir, PrintStream out) throws IOException {
        outDir.mkdirs();
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(new File(outDir, "decode.json"), result);
        var md = new StringBuilder("# Worker input path: decode and augment (one core)\n\n"
                + "Synthetic JPEGs (flat colours and a bar, so smaller and faster to decode than ImageNet photos, which\n"
                + "average about 110 KB) decoded with javax.imageio, resized and centre-cropped to 224x224x3, then\n"
                + "ImageNet augmentation (random-resized crop, flip, normalisation) to float32. Median of the passes.\n"
                + "The readers compared on photo-like JPEGs (noise and gradients; 500x375, a third 1000x750): the\n"
                + "JDK's and TwelveMonkeys' (the default since CMYK support), each also with source subsampling,\n"
                + "ImageIO's only reduced-resolution decode (it skips rows and columns; it applies only to images\n"
                + "at least twice the 224 target, so not to ImageNet's typical 500x375).\n\n"
                + "| measure | value |\n| --- | --- |\n");
        result.forEach((k, v) -> md.append("| ").append(k).append(" | ")
                .append(v instanceof Double d ? String.format("%.1f", d) : v).append(" |\n"));
        Files.writeString(new File(outDir, "decode.md").toPath(), md.toString());
        out.print(md);
    }
}
