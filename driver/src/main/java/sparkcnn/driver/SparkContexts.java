package sparkcnn.driver;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** Starts the Spark context of a job, with settings that suit sparkcnn's own progress output. */
public final class SparkContexts {
    private SparkContexts() {
    }

    /**
     * A context for {@code master}; where spark-submit already set a master, that one wins unless
     * {@code master} is given explicitly.
     */
    public static JavaSparkContext start(String master, String appName, boolean masterExplicit) {
        return start(master, appName, masterExplicit, false);
    }

    /** As above; {@code fair}: jobs of concurrent callers share the executors (one scheduler pool each). */
    public static JavaSparkContext start(String master, String appName, boolean masterExplicit, boolean fair) {
        SparkConf conf = new SparkConf().setAppName(appName);
        if (fair) {
            conf.setIfMissing("spark.scheduler.mode", "FAIR");
        }
        if (masterExplicit || !conf.contains("spark.master")) {
            conf.setMaster(master);
        }
        // Spark's console progress bar would fight with our per-round progress line.
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        return new JavaSparkContext(conf);
    }

    /** Cores one task may use (spark.task.cpus): the worker's thread budget. */
    public static int taskCpus(JavaSparkContext sc) {
        return sc.getConf().getInt("spark.task.cpus", 1);
    }
}
