package sparkcnn.jobs.cluster;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

/**
 * A real YARN on 127.0.0.1 with an HDFS beside it (Hadoop's MiniYARNCluster and MiniDFSCluster in
 * this JVM: a resource manager and one node manager that launches each container as a process of
 * its own), and its client configuration written out as HADOOP_CONF_DIR, for spark-submit
 * {@code --master yarn} from a Spark laid out as a distribution ({@link StandaloneCluster#sparkHome}).
 */
final class YarnCluster implements AutoCloseable {
    private final MiniDFSCluster hdfs;
    private final MiniYARNCluster yarn;
    private final Path confDir;
    private final Path sparkHome;

    YarnCluster(Path dir, int nodeMemoryMb, int nodeCores) throws Exception {
        var conf = new YarnConfiguration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("hdfs").toString());
        conf.setInt("dfs.namenode.metrics.logger.period.seconds", 0);
        conf.setInt("dfs.datanode.metrics.logger.period.seconds", 0);
        conf.setInt(YarnConfiguration.YARN_MINICLUSTER_NM_PMEM_MB, nodeMemoryMb); // the minicluster's own key wins
        conf.setInt(YarnConfiguration.NM_VCORES, nodeCores);
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 128);
        conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        // the node's local directories stay usable however full the machine's disk is: above 90% YARN's disk
        // checker marks them bad and the node gets no container (a run waited 10 minutes at 90% here)
        conf.setBoolean(YarnConfiguration.NM_DISK_UTILIZATION_THRESHOLD_ENABLED, false);
        conf.set("yarn.scheduler.capacity.root.queues", "default"); // one queue with all of the node
        conf.set("yarn.scheduler.capacity.root.default.capacity", "100");
        conf.set("yarn.scheduler.capacity.maximum-am-resource-percent", "1.0");
        hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        hdfs.waitActive();
        yarn = new MiniYARNCluster("sparkcnn", 1, 1, 1);
        yarn.init(conf);
        yarn.start();
        confDir = Files.createDirectories(dir.resolve("hadoop-conf"));
        Configuration client = new Configuration(yarn.getConfig());
        client.set("fs.defaultFS", hdfsUri());
        client.unset("net.topology.node.switch.mapping.impl"); // MiniDFSCluster's test-only StaticMapping
        for (String file : List.of("core-site.xml", "yarn-site.xml", "hdfs-site.xml")) {
            try (OutputStream out = Files.newOutputStream(confDir.resolve(file))) {
                client.writeXml(out);
            }
        }
        sparkHome = StandaloneCluster.sparkHome(dir.resolve("spark-home"));
        try (var extras = Files.list(Path.of("target/yarn-jars").toAbsolutePath())) { // as a distribution's jars/ has them
            for (Path jar : extras.toList()) {
                Files.createSymbolicLink(sparkHome.resolve("jars").resolve(jar.getFileName()), jar);
            }
        }
    }

    String hdfsUri() {
        return "hdfs://127.0.0.1:" + hdfs.getNameNodePort();
    }

    Configuration hdfsConf() {
        return hdfs.getConfiguration(0);
    }

    /**
     * SparkSubmit to YARN as users submit: {@code --master yarn --deploy-mode mode}, the cluster's
     * Spark jars from the node's disk ({@code spark.yarn.jars=local:...}), then {@code options}, the
     * jar and its {@code args}; its output goes to {@code log}.
     */
    Process submit(List<String> driverJvm, String mode, List<String> options, String jar, List<String> args, Path log)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(driverJvm);
        command.addAll(List.of("-cp", sparkHome.resolve("jars") + "/*:" + confDir, "org.apache.spark.deploy.SparkSubmit",
                "--master", "yarn", "--deploy-mode", mode, "--class", "sparkcnn.jobs.Main",
                "--conf", "spark.yarn.jars=local:" + sparkHome.resolve("jars") + "/*",
                "--conf", "spark.yarn.appMasterEnv.JAVA_HOME=" + System.getProperty("java.home"),
                "--conf", "spark.executorEnv.JAVA_HOME=" + System.getProperty("java.home")));
        command.addAll(options);
        command.add(jar);
        command.addAll(args);
        var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("SPARK_HOME", sparkHome.toString());
        builder.environment().put("SPARK_SCALA_VERSION", "2.12");
        builder.environment().put("HADOOP_CONF_DIR", confDir.toString());
        builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        return builder.start();
    }

    @Override
    public void close() {
        yarn.stop();
        hdfs.shutdown();
    }
}
