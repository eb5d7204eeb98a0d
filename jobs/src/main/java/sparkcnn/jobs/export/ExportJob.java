package sparkcnn.jobs.export;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import java.io.PrintStream;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import sparkcnn.driver.SparkContexts;
import sparkcnn.driver.data.EpochData;
import sparkcnn.driver.data.MinibatchExport;
import sparkcnn.driver.io.HadoopConf;
import sparkcnn.jobs.train.TrainSpec;
import sparkcnn.kernels.arch.ModelSpec;

/**
 * {@code export}: decodes the configured training and test sets once, at the model's input size, and
 * writes them as minibatch files under {@code DIR/train} and {@code DIR/test}; later runs read them
 * with {@code data.format = exported} and augment on load. Running it again writes only what is
 * missing.
 */
public final class ExportJob {
    private ExportJob() {
    }

    public static void run(TrainSpec spec, String dir, int batchSize, boolean masterExplicit, PrintStream out) {
        try (JavaSparkContext sc = SparkContexts.start(spec.master(), spec.appName() + " export", masterExplicit)) {
            HadoopConf hadoop = new HadoopConf(sc.hadoopConfiguration());
            ModelSpec model = spec.model();
            var data = spec.data().open(sc, spec.workers(), model.input(), model.classes(), spec.seed());
            export("train", data.train(), dir, batchSize, source(spec, spec.data().train()), hadoop, out);
            export("test", data.test(), dir, batchSize, source(spec, spec.data().test()), hadoop, out);
            out.println(sparkcnn.jobs.report.PeakMemory.describe());
        }
    }

    /** What one exported set is made of: its data keys, the input size, the workers it is split over. */
    private static String source(TrainSpec spec, Config set) {
        return String.join("\n", "format " + spec.data().format().name(),
                "data " + set.root().render(ConfigRenderOptions.concise()), "cifar100 " + spec.data().cifar100(),
                "input " + spec.model().input(), "workers " + spec.workers(), "seed " + spec.seed()) + "\n";
    }

    private static void export(String name, EpochData data, String dir, int batchSize, String source,
                               HadoopConf hadoop, PrintStream out) {
        try (EpochData.Epoch epoch = data.open(1)) {
            String target = dir + "/" + name;
            MinibatchExport.Summary s = MinibatchExport.export(epoch.shards(), target, batchSize, source, hadoop);
            out.printf("%s: %,d examples in %s: %d minibatch files written, %d already there%n", name, s.examples(),
                    target, s.written(), s.skipped());
            // a cached set is decoded when it is opened, a streamed one while it is exported
            List<String> rejected = new java.util.ArrayList<>(epoch.rejected());
            rejected.addAll(s.rejected());
            if (!rejected.isEmpty()) {
                out.printf("%s: %d files skipped that do not decode, e.g. %s%n", name, rejected.size(), rejected.get(0));
            }
        }
    }
}
