package sparkcnn.driver.data;

import sparkcnn.driver.io.HadoopConf;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.data.ExampleBlock;

/**
 * An MNIST-style data set: an idx image file and an idx label file. The driver reads only the two
 * headers; each executor reads its own contiguous range of records straight from the files.
 */
public final class IdxDataSource implements RecordSource {
    private final IdxFile images;
    private final IdxFile labels;
    private final HadoopConf conf;
    private final long count;

    /** The whole data set. */
    public IdxDataSource(String imagesUri, String labelsUri, HadoopConf conf) {
        this(imagesUri, labelsUri, conf, 0);
    }

    /**
     * The first {@code limit} examples, or all of them where {@code limit} is 0; without a labels
     * file ({@code labelsUri} null, for predictions) every label reads 0.
     */
    public IdxDataSource(String imagesUri, String labelsUri, HadoopConf conf, int limit) {
        this.conf = conf;
        this.images = IdxFile.open(imagesUri, conf.get());
        this.labels = labelsUri == null ? null : IdxFile.open(labelsUri, conf.get());
        if (images.dims().length != 3) {
            throw new DataException("expected an idx image file of N x rows x cols, got dimensions "
                    + java.util.Arrays.toString(images.dims()) + ": " + imagesUri);
        }
        if (labels != null && labels.dims().length != 1) {
            throw new DataException("expected an idx label file of N labels, got dimensions "
                    + java.util.Arrays.toString(labels.dims()) + ": " + labelsUri);
        }
        if (labels != null && images.count() != labels.count()) {
            throw new DataException(images.count() + " images in " + imagesUri + " but " + labels.count()
                    + " labels in " + labelsUri);
        }
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0, got " + limit);
        }
        this.count = limit == 0 ? images.count() : Math.min(limit, images.count());
    }

    @Override
    public long count() {
        return count;
    }

    /** One grey channel: width = cols, height = rows. */
    @Override
    public Volume shape() {
        return new Volume(images.dims()[2], images.dims()[1], 1);
    }

    @Override
    public ExampleBlock read(long first, int n) {
        byte[] pixels = images.read(conf.get(), first, n);
        byte[] labelBytes = labels == null ? new byte[n] : labels.read(conf.get(), first, n);
        int[] labelInts = new int[labelBytes.length];
        for (int i = 0; i < labelInts.length; i++) {
            labelInts[i] = labelBytes[i] & 0xFF;
        }
        return ExampleBlock.contiguous(first, shape(), pixels, labelInts);
    }
}
