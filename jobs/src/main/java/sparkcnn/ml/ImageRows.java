package sparkcnn.ml;

import java.awt.image.BufferedImage;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import sparkcnn.kernels.data.ExampleBlock;
import sparkcnn.driver.data.ImageFolderSource;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.data.CorruptImageException;
import sparkcnn.kernels.data.ImageDecoder;

/**
 * The image of a DataFrame row as a model input: a struct of Spark's image data source
 * ({@code spark.read().format("image")}: height, width, nChannels and BGR(A) bytes) in the image
 * column, or else a file path in the path column, read and decoded as the CLI does.
 */
record ImageRows(String imageCol, String pathCol, boolean hasImageCol, Volume input, HadoopConf conf)
        implements Serializable {

    /**
     * Rows to one block of examples per worker, decoded on the executors. A row whose image cannot
     * be decoded is skipped and counted, as training skips a bad file.
     */
    JavaRDD<ExampleBlock> blocks(Dataset<Row> rows, String labelCol, int workers) {
        ImageRows images = this;
        Volume shape = input;
        return rows.javaRDD().repartition(workers).mapPartitionsWithIndex((partition, it) -> {
            List<Long> ids = new ArrayList<>();
            List<Integer> labels = new ArrayList<>();
            var pixels = new java.io.ByteArrayOutputStream();
            long next = (long) partition << 40;
            while (it.hasNext()) {
                Row row = it.next();
                try {
                    byte[] example = images.example(row);
                    Object label = row.getAs(labelCol);
                    if (label == null) {
                        continue;
                    }
                    pixels.write(example);
                    labels.add((int) ((Number) label).doubleValue());
                    ids.add(next++);
                } catch (CorruptImageException e) {
                    org.slf4j.LoggerFactory.getLogger(ImageClassifier.class)
                            .warn("skipped {}: {}", images.origin(row), e.getMessage());
                }
            }
            return List.of(new ExampleBlock(ids.stream().mapToLong(Long::longValue).toArray(), shape,
                    pixels.toByteArray(), labels.stream().mapToInt(Integer::intValue).toArray())).iterator();
        }, true);
    }

    /** NCHW bytes of the model's input volume; {@link CorruptImageException} where it cannot be had. */
    byte[] example(Row row) {
        if (hasImageCol) {
            Row image = row.getAs(imageCol);
            if (image == null) {
                throw new CorruptImageException("no image (the image source could not decode it)");
            }
            return ImageDecoder.toExample(fromSparkImage(image), input);
        }
        String path = row.getAs(pathCol);
        if (path == null) {
            throw new CorruptImageException("no path");
        }
        return ImageDecoder.decode(ImageFolderSource.read(path, conf), input);
    }

    /** Spark's image struct: rows of width x nChannels bytes, channels in OpenCV's BGR(A) order. */
    static BufferedImage fromSparkImage(Row image) {
        int height = image.getInt(image.fieldIndex("height"));
        int width = image.getInt(image.fieldIndex("width"));
        int channels = image.getInt(image.fieldIndex("nChannels"));
        byte[] data = image.getAs("data");
        if (height <= 0 || width <= 0 || data == null || data.length < (long) height * width * channels) {
            throw new CorruptImageException("an empty or truncated image struct");
        }
        var out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] rgb = new int[width * height];
        for (int i = 0; i < rgb.length; i++) {
            int at = i * channels;
            int b = data[at] & 0xFF;
            int g = channels >= 3 ? data[at + 1] & 0xFF : b;
            int r = channels >= 3 ? data[at + 2] & 0xFF : b;
            rgb[i] = r << 16 | g << 8 | b;
        }
        out.setRGB(0, 0, width, height, rgb, 0, width);
        return out;
    }

    /** Where the row's image came from, for error messages. */
    String origin(Row row) {
        if (hasImageCol) {
            Row image = row.getAs(imageCol);
            return image == null ? "(null image)" : image.getAs("origin");
        }
        return row.getAs(pathCol);
    }
}
