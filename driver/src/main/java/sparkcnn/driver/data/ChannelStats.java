package sparkcnn.driver.data;

import java.io.Serializable;
import org.apache.spark.api.java.JavaRDD;
import sparkcnn.kernels.data.ExampleBlock;

/**
 * Per-channel mean and standard deviation of pixel values scaled to [0, 1], computed where the
 * shards live; only the sums travel to the driver.
 */
public final class ChannelStats {
    private ChannelStats() {
    }

    /** Mean and std per channel. */
    public record Stats(float[] mean, float[] std) implements Serializable {
    }

    /** Statistics of the shards, read a chunk at a time (a streamed shard is never held whole). */
    public static Stats of(JavaRDD<Shard> shards, int channels) {
        double[] sums = shards.map(shard -> {
            double[] s = new double[3 * channels];
            for (var it = shard.chunks(0, 0, 1024); it.hasNext(); ) {
                s = add(s, sums(it.next().examples(), channels));
            }
            return s;
        }).reduce(ChannelStats::add);
        float[] mean = new float[channels];
        float[] std = new float[channels];
        for (int c = 0; c < channels; c++) {
            double n = sums[2 * channels + c];
            double m = sums[c] / n;
            mean[c] = (float) m;
            std[c] = (float) Math.max(1e-3, Math.sqrt(Math.max(0, sums[channels + c] / n - m * m)));
        }
        return new Stats(mean, std);
    }

    /** [sum per channel, sum of squares per channel, count per channel]. */
    static double[] sums(ExampleBlock b, int channels) {
        double[] s = new double[3 * channels];
        int plane = b.shape().width() * b.shape().height();
        byte[] px = b.pixels();
        for (int i = 0; i < px.length; i++) {
            int c = (i / plane) % channels;
            double v = (px[i] & 0xFF) / 255.0;
            s[c] += v;
            s[channels + c] += v * v;
            s[2 * channels + c]++;
        }
        return s;
    }

    static double[] add(double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
        }
        return a;
    }
}
