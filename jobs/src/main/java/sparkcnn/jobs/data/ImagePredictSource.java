package sparkcnn.jobs.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import sparkcnn.driver.data.DataException;
import sparkcnn.driver.data.ImageFolderSource;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.driver.predict.Predictions;
import sparkcnn.kernels.arch.Volume;

/** The .jpg/.jpeg/.png files under a directory (any nesting), numbered in path order, decoded where scored. */
final class ImagePredictSource implements PredictSource {
    private final List<Predictions.ImageRef> images;
    private final Volume stored;

    private ImagePredictSource(List<Predictions.ImageRef> images, Volume stored) {
        this.images = images;
        this.stored = stored;
    }

    static ImagePredictSource list(String dir, Volume stored, HadoopConf hadoop) {
        Path root = new Path(dir);
        List<String> paths = new ArrayList<>();
        try {
            RemoteIterator<LocatedFileStatus> files = root.getFileSystem(hadoop.get()).listFiles(root, true);
            while (files.hasNext()) {
                Path file = files.next().getPath();
                if (ImageFolderSource.isImage(file.getName())) {
                    paths.add(file.toString());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read --input " + dir, e);
        }
        if (paths.isEmpty()) {
            throw new DataException("--input " + root + " holds no .jpg, .jpeg or .png files");
        }
        paths.sort(Comparator.naturalOrder());
        List<Predictions.ImageRef> numbered = new ArrayList<>(paths.size());
        for (int i = 0; i < paths.size(); i++) {
            numbered.add(new Predictions.ImageRef(i, paths.get(i)));
        }
        return new ImagePredictSource(numbered, stored);
    }

    @Override
    public long count() {
        return images.size();
    }

    @Override
    public String what() {
        return "images";
    }

    @Override
    public Volume stored() {
        return stored;
    }

    @Override
    public JavaRDD<Row> rows(JavaSparkContext sc, Predictions.Model model, Predictions.Counters counters, int workers,
                             HadoopConf hadoop) {
        int partitions = Math.max(workers, (int) Math.min(10_000, images.size() / 1_000));
        return Predictions.ofImages(sc, images, partitions, stored, model, counters, hadoop);
    }
}
