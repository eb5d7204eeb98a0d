package sparkcnn.driver.run;

import java.util.ArrayList;
import java.util.List;
import sparkcnn.driver.io.RunDirectoryException;
import sparkcnn.driver.io.RunLock;
import sparkcnn.driver.io.RunStore;

/**
 * How a run starts in its directory. Like Spark's writers, a new run refuses a directory that holds
 * one; an overwrite deletes only a run's own files; a resume needs a checkpoint.
 */
public enum RunStart {
    /** the directory must hold no run yet */
    NEW,
    /** an earlier run in the directory is deleted first */
    OVERWRITE,
    /** the run in the directory continues from its latest checkpoint */
    RESUME;

    /** Locks {@code run} for this process and prepares it for this start; the lock is held until closed. */
    public RunLock begin(RunLayout run) {
        RunStore store = run.store();
        RunLock lock = RunLock.acquire(store, RunLayout.LOCK);
        try {
            List<String> entries = new ArrayList<>(store.entries());
            entries.remove(RunLayout.LOCK);
            prepare(run, entries);
            return lock;
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private void prepare(RunLayout run, List<String> entries) {
        switch (this) {
            case NEW -> {
                if (!entries.isEmpty()) {
                    throw new RunDirectoryException(String.format("run.dir %s is not empty (%s): continue its run "
                            + "with --resume %s, replace it with --overwrite, or choose another run.dir",
                            run.root(), String.join(", ", entries), run.root()));
                }
            }
            case OVERWRITE -> {
                List<String> foreign = entries.stream().filter(e -> !RunLayout.ENTRIES.contains(e)).toList();
                if (!foreign.isEmpty()) {
                    throw new RunDirectoryException("--overwrite deletes only a run's own files, and " + run.root()
                            + " also holds " + foreign + ": choose another run.dir");
                }
                entries.forEach(run.store()::deleteRecursively);
            }
            case RESUME -> {
                if (!run.has(RunLayout.LATEST)) {
                    throw new RunDirectoryException("nothing to resume in " + run.root() + ": no " + RunLayout.LATEST
                            + (entries.isEmpty() ? " (the directory is empty)" : ""));
                }
            }
        }
    }
}
