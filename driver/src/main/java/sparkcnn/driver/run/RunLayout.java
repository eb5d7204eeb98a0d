package sparkcnn.driver.run;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import sparkcnn.driver.io.RunStore;

/**
 * The one owner of a run directory's paths (as Horovod's {@code Store} is of its runs): every file's
 * name, and the typed reads and writes of the run's small files. A run directory holds:
 * <pre>
 *   config.conf          the resolved job configuration the run trains with
 *   classes.txt          class names in label order
 *   metrics.jsonl        one JSON line per round, per epoch, per resume (MetricsLog)
 *   model.zip            the DL4J network after the last evaluated epoch, with its updater state
 *   checkpoints/         epoch-EEEE-round-RRRRRR.zip ({@link CheckpointStore}) and LATEST naming the newest
 *   normalization.json   per-channel mean and std, when the run normalises its inputs ({@link Normalization})
 *   bad-images.txt       files that did not decode, with the reason
 *   confusion/           epoch-EEEE.json: confusion matrices of runs with more than 32 classes
 *   curves.png, report.html, trial.json (a sweep's trial), run.lock ({@link RunLock})
 * </pre>
 * How a run begins in its directory (new, overwritten, resumed) is {@link RunStart}'s.
 */
public final class RunLayout {
    public static final String CONFIG = "config.conf";
    public static final String CLASSES = "classes.txt";
    public static final String MODEL = "model.zip";
    public static final String METRICS = "metrics.jsonl";
    public static final String CONFUSION_DIR = "confusion";
    public static final String CHECKPOINTS = "checkpoints";
    public static final String LATEST = CHECKPOINTS + "/LATEST";
    public static final String NORMALIZATION = "normalization.json";
    public static final String BAD_IMAGES = "bad-images.txt";
    public static final String CURVES = "curves.png";
    public static final String REPORT = "report.html";
    public static final String TRIAL = "trial.json";
    public static final String LOCK = "run.lock";
    /** Every entry a run writes; {@code --overwrite} removes these and nothing else. */
    static final Set<String> ENTRIES = Set.of(CONFIG, CLASSES, MODEL, METRICS, CHECKPOINTS, NORMALIZATION,
            BAD_IMAGES, CURVES, REPORT, TRIAL, CONFUSION_DIR, LOCK);

    private final RunStore store;

    private RunLayout(RunStore store) {
        this.store = store;
    }

    /** The run directory {@code dir} (local path, file:// or hdfs://), created if missing. */
    public static RunLayout of(String dir, Configuration conf) {
        return new RunLayout(new RunStore(dir, conf));
    }

    /** A run directory that exists already, to read (its config, classes, metrics). */
    public static RunLayout existing(String dir, Configuration conf) {
        return new RunLayout(RunStore.existing(dir, conf));
    }

    public RunStore store() {
        return store;
    }

    public String root() {
        return store.root();
    }

    public String name() {
        return store.name();
    }

    public String uri(String file) {
        return store.uri(file);
    }

    public boolean has(String file) {
        return store.exists(file);
    }

    /** How a run that stopped on a fault goes on: from its latest checkpoint, or (none yet) from the start. */
    public String howToContinue() {
        return has(LATEST) ? "continue with --resume " + root()
                : "start again with --overwrite (no checkpoint was written yet)";
    }

    public CheckpointStore checkpoints() {
        return new CheckpointStore(store);
    }

    public void writeText(String file, String text) {
        store.writeText(file, text);
    }

    public String readText(String file) {
        return new String(store.read(file), StandardCharsets.UTF_8);
    }

    public void saveModel(byte[] modelZip) {
        store.write(MODEL, out -> out.write(modelZip));
    }

    public void writeClasses(List<String> classes) {
        writeText(CLASSES, String.join("\n", classes) + "\n");
    }

    /** The class names of the run, when it recorded them. */
    public Optional<List<String>> classes() {
        return has(CLASSES) ? Optional.of(readText(CLASSES).lines().filter(l -> !l.isEmpty()).toList())
                : Optional.empty();
    }

    /** The configuration the run trains with, as it wrote it. */
    public Optional<String> config() {
        return has(CONFIG) ? Optional.of(readText(CONFIG)) : Optional.empty();
    }

    public void writeConfig(String rendered) {
        writeText(CONFIG, rendered);
    }

    /** The files that did not decode, one "set: file: reason" line each. */
    public void writeBadImages(List<String> lines) {
        writeText(BAD_IMAGES, String.join("\n", lines) + "\n");
    }

    public void writeNormalization(Normalization normalization) {
        writeText(NORMALIZATION, normalization.toJson());
    }

    /** The run's per-channel statistics, where it normalised. */
    public Optional<Normalization> normalization() {
        return has(NORMALIZATION) ? Optional.of(Normalization.parse(store.read(NORMALIZATION), uri(NORMALIZATION)))
                : Optional.empty();
    }

    public void writeCurves(byte[] png) {
        store.write(CURVES, out -> out.write(png));
    }

    public void writeReport(String html) {
        writeText(REPORT, html);
    }
}
