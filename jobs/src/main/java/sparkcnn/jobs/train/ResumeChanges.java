package sparkcnn.jobs.train;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigRenderOptions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What {@code train --resume RUN --set ...} may change. A checkpoint continues exactly only with
 * the network, data, dealing and optimiser it was trained with, so those keys are fixed; how long
 * to train, when to stop or checkpoint, and where the job runs may change, and each change is
 * recorded (config.conf and a {@code "resume"} line of metrics.jsonl).
 */
public final class ResumeChanges {
    /** Keys (or whole sections, ending in '.') that a resumed run may change. */
    static final List<String> CHANGEABLE = List.of("train.epochs", "train.stop.", "train.checkpoint-every-rounds",
            "train.eval-batch-size", "train.worker-threads", "spark.", "backend", "data.bad-images", "run.dir");

    private ResumeChanges() {
    }

    /** The changed keys (key: [before, after]); an error naming any key that may not change. */
    static Map<String, List<String>> check(Config before, Config after, String runDir) {
        Map<String, List<String>> changed = changes(before, after);
        for (var change : changed.entrySet()) {
            if (!changeable(change.getKey())) {
                throw new ConfigException.BadValue(change.getKey(), String.format("cannot change on --resume (the run "
                        + "in %s was trained with %s, not %s): a checkpoint continues exactly only with the network, "
                        + "data and optimiser it was made with; start a new run (another run.dir, or --overwrite) "
                        + "to change it. Keys a resume may change: %s", runDir, change.getValue().get(0),
                        change.getValue().get(1), CHANGEABLE));
            }
        }
        changed.remove("run.dir");
        return changed;
    }

    /** Every key whose value differs (key: [before, after]). */
    public static Map<String, List<String>> changes(Config before, Config after) {
        Set<String> keys = new TreeSet<>();
        before.entrySet().forEach(e -> keys.add(e.getKey()));
        after.entrySet().forEach(e -> keys.add(e.getKey()));
        Map<String, List<String>> changed = new TreeMap<>();
        for (String key : keys) {
            String was = render(before, key);
            String now = render(after, key);
            if (!was.equals(now)) {
                changed.put(key, List.of(was, now));
            }
        }
        return changed;
    }

    /** True for keys a run may change when it continues. */
    public static boolean changeable(String key) {
        return CHANGEABLE.stream().anyMatch(k -> k.endsWith(".") ? key.startsWith(k) : key.equals(k));
    }

    private static String render(Config c, String key) {
        return c.hasPathOrNull(key) ? c.getValue(key).render(ConfigRenderOptions.concise()) : "(unset)";
    }
}
