package sparkcnn.driver.io;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;

/**
 * The driver's Hadoop configuration (spark.hadoop.* settings, HDFS addresses, credentials config)
 * in a form that travels to executors, so they open files exactly as the driver would.
 */
public final class HadoopConf implements Serializable {
    private final byte[] written;
    private transient Configuration conf;

    public HadoopConf(Configuration conf) {
        var bytes = new ByteArrayOutputStream();
        try (var out = new DataOutputStream(bytes)) {
            conf.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.written = bytes.toByteArray();
        this.conf = conf;
    }

    public Configuration get() {
        if (conf == null) {
            var restored = new Configuration(false);
            try (var in = new DataInputStream(new ByteArrayInputStream(written))) {
                restored.readFields(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            conf = restored;
        }
        return conf;
    }
}
