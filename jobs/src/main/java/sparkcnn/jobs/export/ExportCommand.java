package sparkcnn.jobs.export;

import java.io.PrintStream;
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
public final class ExportCommand {
    private ExportCommand() {
    }

    public static void run(TrainSpec spec, String dir, int batchSize, boolean masterExplicit, PrintStream out) {
        try (JavaSparkContext sc = SparkContexts.start(spec.master(), spec.appName() + " export", masterExplicit)) {
            HadoopConf hadoop = new HadoopConf(sc.hadoopConfiguration());
            ModelSpec model = spec.model();
            var data = spec.data().open(sc, hadoop, spec.workers(), model.input(), model.classes(), spec.seed());
            export("train", data.train(), dir, batchSize, hadoop, out);
            export("test", data.test(), dir, batchSize, hadoop, out);
        }
    }

    private static void export(String name, EpochData data, String dir, int batchSize, HadoopConf hadoop,
                               PrintStream out) {
        try (EpochData.Epoch epoch = data.open(1)) {
            String target = dir + "/" + name;
            MinibatchExport.Summary s = MinibatchExport.export(epoch.blocks(), target, batchSize, hadoop);
            out.printf("%s: %,d examples in %s: %d minibatch files written, %d already there%n", name, s.examples(),
                    target, s.written(), s.skipped());
            if (!epoch.rejected().isEmpty()) {
                out.printf("%s: %d files skipped that do not decode, e.g. %s%n", name, epoch.rejected().size(),
                        epoch.rejected().get(0));
            }
        }
    }
}
