package sparkcnn.driver;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/** A real HDFS (namenode + one datanode) in this JVM, on 127.0.0.1. */
public final class Hdfs implements AutoCloseable {
    private final MiniDFSCluster cluster;

    public Hdfs(File baseDir) {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, baseDir.getAbsolutePath());
        // the metrics loggers need commons-logging's log4j 1 bridge, which Spark's classpath replaces
        conf.setInt("dfs.namenode.metrics.logger.period.seconds", 0);
        conf.setInt("dfs.datanode.metrics.logger.period.seconds", 0);
        try {
            cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
            cluster.waitActive();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start MiniDFSCluster", e);
        }
    }

    /** hdfs://127.0.0.1:port */
    public String uri() {
        return "hdfs://127.0.0.1:" + cluster.getNameNodePort();
    }

    public Configuration conf() {
        return cluster.getConfiguration(0);
    }

    @Override
    public void close() {
        cluster.shutdown();
    }
}
