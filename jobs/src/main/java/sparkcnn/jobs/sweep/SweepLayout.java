package sparkcnn.jobs.sweep;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import sparkcnn.driver.io.RunLock;
import sparkcnn.driver.io.RunStore;
import sparkcnn.driver.run.RunLayout;

/**
 * A sweep directory, every file in it named here once (as {@link RunLayout} is for a run):
 * <pre>
 *   sweep.conf              the sweep file as last started
 *   sweep.lock              held while a sweep runs in it
 *   asha.json               successive halving's decisions and the rungs' results ({@link Asha})
 *   leaderboard.csv .html .png   the trials ranked ({@link Leaderboard})
 *   trial-NN/               each trial's run directory, with trial.json: where the trial stands
 * </pre>
 */
final class SweepLayout {
    static final String SWEEP_FILE = "sweep.conf";
    static final String LOCK = "sweep.lock";
    static final String ASHA = "asha.json";
    static final String LEADERBOARD_CSV = "leaderboard.csv";
    static final String LEADERBOARD_HTML = "leaderboard.html";
    static final String LEADERBOARD_PNG = "leaderboard.png";
    static final String TRIAL = RunLayout.TRIAL;

    private final String dir;
    private final Configuration conf;
    private RunStore store;

    /** Nothing is made until something is written: a sweep refused before it starts leaves no directory. */
    SweepLayout(String dir, Configuration conf) {
        this.dir = dir;
        this.conf = conf;
    }

    private synchronized RunStore store() {
        if (store == null) {
            store = new RunStore(dir, conf);
        }
        return store;
    }

    String root() {
        return store().root();
    }

    String uri(String file) {
        return store().uri(file);
    }

    /** Held for the sweep's life: one sweep at a time in a directory. */
    RunLock lock() {
        return RunLock.acquire(store(), LOCK);
    }

    void writeSweepFile(String text) {
        store().writeText(SWEEP_FILE, text);
    }

    /** The trial's run directory. */
    String trialDir(Trial trial) {
        return dir + "/" + trial.name();
    }

    RunLayout trialRun(Trial trial) {
        return RunLayout.of(trialDir(trial), conf);
    }

    /** Where the trial stood when a start last recorded it. */
    Optional<TrialOutcome> outcome(Trial trial) {
        RunLayout run = trialRun(trial);
        return run.has(TRIAL) ? Optional.of(TrialOutcome.fromJson(run.readText(TRIAL))) : Optional.empty();
    }

    /** Records where a trial stands, in its own run directory. */
    void record(TrialOutcome outcome) {
        RunLayout.of(outcome.runDir(), conf).writeText(TRIAL, outcome.toJson());
    }

    Optional<String> ashaDecisions() {
        return store().exists(ASHA) ? Optional.of(new String(store().read(ASHA), StandardCharsets.UTF_8))
                : Optional.empty();
    }

    void writeAshaDecisions(String json) {
        store().writeText(ASHA, json);
    }

    void writeLeaderboard(byte[] png, String csv, String html) {
        store().write(LEADERBOARD_PNG, out -> out.write(png));
        store().writeText(LEADERBOARD_CSV, csv);
        store().writeText(LEADERBOARD_HTML, html);
    }
}
