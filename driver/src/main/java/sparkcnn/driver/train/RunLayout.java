package sparkcnn.driver.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import sparkcnn.driver.io.RunDirectoryException;
import sparkcnn.driver.io.RunLock;
import sparkcnn.driver.io.RunStore;
import sparkcnn.kernels.data.Preprocessing;

/**
 * The files of one run directory, and the only way in or out of one (train, resume, evaluate,
 * sweep). A run directory holds:
 * <pre>
 *   config.conf          the resolved job configuration the run trains with
 *   classes.txt          class names in label order
 *   metrics.jsonl        one JSON line per round, per epoch, per resume ({@link MetricsLog})
 *   model.zip            the DL4J network after the last evaluated epoch, with its updater state
 *   checkpoints/         epoch-EEEE-round-RRRRRR.zip ({@link Checkpoint}) and LATEST naming the newest
 *   normalization.json   per-channel mean and std, when the run normalises its inputs
 *   bad-images.txt       files that did not decode, with the reason
 *   confusion/           epoch-EEEE.json: confusion matrices of runs with more than 32 classes
 *   curves.png, report.html, trial.json (a sweep's trial), run.lock
 * </pre>
 */
public final class RunLayout {
    public static final String CONFIG = "config.conf";
    public static final String CLASSES = "classes.txt";
    public static final String MODEL = "model.zip";
    public static final String METRICS = "metrics.jsonl";
    public static final String CHECKPOINTS = "checkpoints";
    public static final String LATEST = CHECKPOINTS + "/LATEST";
    public static final String NORMALIZATION = "normalization.json";
    public static final String BAD_IMAGES = "bad-images.txt";
    public static final String CURVES = "curves.png";
    public static final String REPORT = "report.html";
    public static final String TRIAL = "trial.json";
    /** Every entry a run writes; {@code --overwrite} removes these and nothing else. */
    static final Set<String> ENTRIES = Set.of(CONFIG, CLASSES, MODEL, METRICS, CHECKPOINTS, NORMALIZATION,
            BAD_IMAGES, CURVES, REPORT, TRIAL, MetricsLog.CONFUSION_DIR, RunLock.FILE);
    /** Checkpoints kept: the newest few, so a damaged last one still leaves an earlier one. */
    static final int KEEP = 3;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How a run starts in its directory. */
    public enum Start {
        /** the directory must hold no run yet */
        NEW,
        /** an earlier run in the directory is deleted first */
        OVERWRITE,
        /** the run in the directory continues from its latest checkpoint */
        RESUME
    }

    private final RunStore store;

    private RunLayout(RunStore store) {
        this.store = store;
    }

    /** The run directory {@code dir} (local path, file:// or hdfs://), created if missing. */
    /** The model file a CLI argument names: a model.zip itself, or the one in a run directory. */
    public static String modelOf(String runDirOrZip) {
        return runDirOrZip.endsWith(".zip") ? runDirOrZip : runDirOrZip.replaceAll("/+$", "") + "/" + MODEL;
    }

    /** The run directory a CLI argument names: itself, or the directory holding its model.zip. */
    public static String runDirOf(String runDirOrZip) {
        return runDirOrZip.endsWith(".zip") ? new org.apache.hadoop.fs.Path(runDirOrZip).getParent().toString()
                : runDirOrZip;
    }

    public static RunLayout of(String dir, Configuration conf) {
        return new RunLayout(new RunStore(dir, conf));
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

    /**
     * Locks the directory for this process and prepares it for {@code start}: a new run needs a
     * directory without a run in it, as Spark's writers refuse an existing path; an overwrite
     * deletes the earlier run's files (and refuses a directory holding anything else); a resume
     * needs a checkpoint. The lock is held until closed.
     */
    public RunLock begin(Start start) {
        RunLock lock = RunLock.acquire(store);
        try {
            List<String> run = new ArrayList<>(store.entries());
            run.remove(RunLock.FILE);
            switch (start) {
                case NEW -> {
                    if (!run.isEmpty()) {
                        throw new RunDirectoryException(String.format("run.dir %s is not empty (%s): continue its run "
                                + "with --resume %s, replace it with --overwrite, or choose another run.dir",
                                root(), String.join(", ", run), root()));
                    }
                }
                case OVERWRITE -> {
                    List<String> foreign = run.stream().filter(e -> !ENTRIES.contains(e)).toList();
                    if (!foreign.isEmpty()) {
                        throw new RunDirectoryException("--overwrite deletes only a run's own files, and " + root()
                                + " also holds " + foreign + ": choose another run.dir");
                    }
                    run.forEach(store::deleteRecursively);
                }
                case RESUME -> {
                    if (!has(LATEST)) {
                        throw new RunDirectoryException("nothing to resume in " + root() + ": no " + LATEST
                                + (run.isEmpty() ? " (the directory is empty)" : ""));
                    }
                }
            }
            return lock;
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    // --- checkpoints

    /**
     * Writes {@code checkpoint} (atomically), then points LATEST at it, then deletes all but the
     * newest {@link #KEEP}, ordered by epoch and round. Returns its location.
     */
    public String saveCheckpoint(Checkpoint checkpoint, byte[] modelZip) {
        String file = CHECKPOINTS + "/" + checkpoint.fileName();
        store.write(file, out -> checkpoint.writeTo(out, modelZip));
        store.writeText(LATEST, checkpoint.fileName() + "\n");
        List<String> all = new ArrayList<>(store.list(CHECKPOINTS, ".zip").stream()
                .filter(n -> Checkpoint.NAME.matcher(n).matches()).toList());
        all.sort(Checkpoint::compareNames);
        for (int i = 0; i < all.size() - KEEP; i++) {
            store.delete(CHECKPOINTS + "/" + all.get(i));
        }
        return store.uri(file);
    }

    /** The checkpoint LATEST names, if the run has one; LATEST may name only a checkpoint file of this run. */
    public Optional<Checkpoint> latestCheckpoint() {
        return latestCheckpointName().map(name -> {
            String file = CHECKPOINTS + "/" + name;
            try {
                return Checkpoint.read(store.read(file), store.uri(file));
            } catch (IOException | RuntimeException e) {
                throw new RunDirectoryException("cannot read checkpoint " + store.uri(file) + ": " + e.getMessage());
            }
        });
    }

    /** The file name LATEST holds, checked to be a checkpoint's name (no path, no other file). */
    private Optional<String> latestCheckpointName() {
        if (!has(LATEST)) {
            return Optional.empty();
        }
        String name = new String(store.read(LATEST), StandardCharsets.UTF_8).trim();
        if (!Checkpoint.NAME.matcher(name).matches()) {
            throw new RunDirectoryException(store.uri(LATEST) + " names '" + name
                    + "', which is not a checkpoint file (epoch-EEEE-round-RRRRRR.zip)");
        }
        return Optional.of(name);
    }

    // --- the model and the run's small files

    public void saveModel(byte[] modelZip) {
        store.write(MODEL, out -> out.write(modelZip));
    }

    public void writeText(String file, String text) {
        store.writeText(file, text);
    }

    public String readText(String file) {
        return new String(store.read(file), StandardCharsets.UTF_8);
    }

    public void writeClasses(List<String> classes) {
        writeText(CLASSES, String.join("\n", classes) + "\n");
    }

    /** The class names of the run, when it recorded them. */
    public Optional<List<String>> classes() {
        return has(CLASSES) ? Optional.of(readText(CLASSES).lines().filter(l -> !l.isEmpty()).toList())
                : Optional.empty();
    }

    public void writeNormalization(float[] mean, float[] std) {
        writeText(NORMALIZATION, String.format("{\"mean\": %s, \"std\": %s}%n", Arrays.toString(mean),
                Arrays.toString(std)));
    }

    /** The run's per-channel statistics, with {@code preprocessing}'s augmentation. */
    public Optional<Preprocessing> normalization(Preprocessing preprocessing) {
        if (!has(NORMALIZATION)) {
            return Optional.empty();
        }
        try {
            JsonNode n = JSON.readTree(store.read(NORMALIZATION));
            return Optional.of(new Preprocessing(preprocessing.augmentation(), floats(n.get("mean")),
                    floats(n.get("std"))));
        } catch (IOException | RuntimeException e) {
            throw new RunDirectoryException("unreadable " + store.uri(NORMALIZATION) + ": " + e.getMessage());
        }
    }

    /** How the run's model sees its inputs: its normalisation where it normalised, else scaling to [0, 1]. */
    public Preprocessing scaling(int channels) {
        Preprocessing scaleOnly = Preprocessing.scaleOnly(channels);
        return normalization(scaleOnly).orElse(scaleOnly);
    }

    private static float[] floats(JsonNode array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) array.get(i).asDouble();
        }
        return values;
    }

    /** The run's {@code metrics.jsonl}, up to the latest checkpoint (what a resumed run continues). */
    public MetricsLog metrics(Optional<Checkpoint> from) {
        return from.map(c -> MetricsLog.resume(store, c.epoch(), c.roundsDone(), c.epochComplete()))
                .orElseGet(() -> new MetricsLog(store));
    }


}
