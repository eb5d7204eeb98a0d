package sparkcnn.driver;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import sparkcnn.kernels.backend.BackendChoice;

/** Starts the Spark context of a job, with settings that suit sparkcnn's own progress output. */
public final class SparkContexts {
    private SparkContexts() {
    }

    /**
     * A context for {@code master}; where spark-submit already set a master, that one wins unless
     * {@code master} is given explicitly.
     */
    public static JavaSparkContext start(String master, String appName, boolean masterExplicit) {
        return start(master, appName, masterExplicit, false, BackendChoice.AUTO);
    }

    /**
     * As above; {@code fair}: jobs of concurrent callers share the executors (one scheduler pool
     * each); {@code backend}: what the executors are set up for (see {@link ExecutorSettings}).
     */
    public static JavaSparkContext start(String master, String appName, boolean masterExplicit, boolean fair,
                                         BackendChoice backend) {
        requireReachable(master, masterExplicit, System.getenv());
        SparkConf conf = new SparkConf().setAppName(appName);
        if (fair) {
            conf.setIfMissing("spark.scheduler.mode", "FAIR");
        }
        ExecutorSettings.apply(conf, backend);
        if (masterExplicit || !conf.contains("spark.master")) {
            conf.setMaster(master);
        }
        // Spark's console progress bar would fight with our per-round progress line.
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        return new JavaSparkContext(conf);
    }

    /**
     * Loads ND4J on every executor that runs a worker and checks its backend against the job's
     * choice, before any data is read: a {@code cuda} job on executors without a usable GPU fails
     * here, saying why. Returns one line per distinct executor setup, for the run's first log lines.
     */
    public static java.util.List<String> verifyBackend(JavaSparkContext sc, BackendChoice backend, int workers) {
        var slots = new java.util.ArrayList<Integer>();
        for (int i = 0; i < workers; i++) {
            slots.add(i);
        }
        return sc.parallelize(slots, workers)
                .map(i -> java.net.InetAddress.getLocalHost().getHostName() + ": " + backend.verify())
                .distinct()
                .collect();
    }

    /**
     * Fails, naming what to set, where the master cannot be found as given: a client of
     * {@code --master yarn} finds the resource manager in the cluster's yarn-site.xml, and without
     * it Hadoop's client tries 0.0.0.0:8032 for 15 minutes. (spark-submit refuses it itself; this
     * is for the local command.) Called before a job touches its output.
     */
    public static void requireReachable(String master, boolean masterExplicit, java.util.Map<String, String> env) {
        SparkConf conf = new SparkConf();
        String effective = masterExplicit || !conf.contains("spark.master") ? master : conf.get("spark.master");
        boolean client = !"cluster".equals(conf.get("spark.submit.deployMode", "client"));
        boolean configured = java.util.stream.Stream.of("HADOOP_CONF_DIR", "YARN_CONF_DIR")
                .anyMatch(name -> !env.getOrDefault(name, "").isBlank())
                || SparkContexts.class.getClassLoader().getResource("yarn-site.xml") != null;
        if (effective.startsWith("yarn") && client && !configured) {
            throw new IllegalArgumentException("--master " + effective + " needs the cluster's Hadoop configuration: "
                    + "set HADOOP_CONF_DIR (or YARN_CONF_DIR) to the directory that holds its yarn-site.xml and "
                    + "core-site.xml, as spark-submit requires");
        }
    }

    /**
     * The Hadoop configuration a SparkContext of this application would have (core-site.xml and
     * {@code spark.hadoop.*} settings), before one is started: a run directory can be checked
     * and locked without the cost of starting Spark.
     */
    public static org.apache.hadoop.conf.Configuration hadoopConfiguration() {
        return org.apache.spark.deploy.SparkHadoopUtil.get().newConfiguration(new SparkConf());
    }

    /** Cores one task may use (spark.task.cpus): the worker's thread budget. */
    public static int taskCpus(JavaSparkContext sc) {
        return sc.getConf().getInt("spark.task.cpus", 1);
    }
}
