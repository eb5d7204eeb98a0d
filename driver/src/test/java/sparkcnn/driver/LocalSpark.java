package sparkcnn.driver;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** A real Spark context in local mode with two task slots, as tests use it. */
public final class LocalSpark {
    private LocalSpark() {
    }

    public static JavaSparkContext start(String name) {
        return new JavaSparkContext(new SparkConf()
                .setMaster("local[2]")
                .setAppName(name)
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1"));
    }
}
