package sparkcnn.driver.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import sparkcnn.driver.io.RunDirectoryException;
import sparkcnn.driver.io.RunStore;

/** A run's checkpoints/: each written atomically, LATEST naming the newest, the newest {@link #KEEP} kept. */
public final class CheckpointStore {
    /** Checkpoints kept: the newest few, so a damaged last one still leaves an earlier one. */
    static final int KEEP = 3;

    private final RunStore store;

    CheckpointStore(RunStore store) {
        this.store = store;
    }

    /**
     * Writes {@code checkpoint} (atomically), then points LATEST at it, then deletes all but the
     * newest {@link #KEEP}, ordered by epoch and round. Returns its location.
     */
    public String save(Checkpoint checkpoint, byte[] modelZip) {
        String file = fileOf(checkpoint.fileName());
        store.write(file, out -> checkpoint.writeTo(out, modelZip));
        store.writeText(RunLayout.LATEST, checkpoint.fileName() + "\n");
        List<String> all = names();
        for (int i = 0; i < all.size() - KEEP; i++) {
            store.delete(fileOf(all.get(i)));
        }
        return store.uri(file);
    }

    /**
     * The checkpoint LATEST names, if the run has one; LATEST may name only a checkpoint file of this
     * run, and a damaged one is an error that names it (a resume asks {@link #resumable} instead).
     */
    public Optional<Checkpoint> latest() {
        return latestName().map(name -> {
            try {
                return read(name);
            } catch (IOException | RuntimeException e) {
                throw new RunDirectoryException("cannot read checkpoint " + store.uri(fileOf(name)) + ": "
                        + e.getMessage());
            }
        });
    }

    /** A checkpoint to resume from, and the newer ones that were damaged (file: reason) and passed over. */
    public record Resumable(Optional<Checkpoint> checkpoint, List<String> damaged) {
    }

    /**
     * What a resume continues from: the checkpoint LATEST names, read whole before it is trusted;
     * where it is damaged (a crash of the disk, not of our write: ours are renamed into place), the
     * newest intact one before it, the damaged ones named. No checkpoint at all is a fresh start;
     * checkpoints that are all damaged are an error.
     */
    public Resumable resumable() {
        Optional<String> latest = latestName();
        if (latest.isEmpty()) {
            return new Resumable(Optional.empty(), List.of());
        }
        List<String> candidates = new ArrayList<>(names().stream()
                .filter(n -> Checkpoint.compareNames(n, latest.get()) <= 0).toList());
        Collections.reverse(candidates); // newest first
        List<String> damaged = new ArrayList<>();
        if (!candidates.contains(latest.get())) {
            damaged.add(store.uri(fileOf(latest.get())) + ": missing");
        }
        for (String name : candidates) {
            try {
                return new Resumable(Optional.of(read(name)), damaged);
            } catch (IOException | RuntimeException e) {
                damaged.add(store.uri(fileOf(name)) + ": " + e.getMessage());
            }
        }
        throw new RunDirectoryException("no intact checkpoint in " + store.uri(RunLayout.CHECKPOINTS) + " (damaged: "
                + String.join("; ", damaged) + "): start the run again with --overwrite");
    }

    /** Where {@code checkpoint} is (or would be) stored. */
    public String uri(Checkpoint checkpoint) {
        return store.uri(fileOf(checkpoint.fileName()));
    }

    /** The checkpoint files there are, in training order (epoch, then round). */
    private List<String> names() {
        List<String> names = new ArrayList<>(store.list(RunLayout.CHECKPOINTS, ".zip").stream()
                .filter(n -> Checkpoint.NAME.matcher(n).matches()).toList());
        names.sort(Checkpoint::compareNames);
        return names;
    }

    /** The checkpoint {@code name}, read whole. */
    private Checkpoint read(String name) throws IOException {
        String file = fileOf(name);
        return Checkpoint.read(store.read(file), store.uri(file));
    }

    private static String fileOf(String name) {
        return RunLayout.CHECKPOINTS + "/" + name;
    }

    /** The file name LATEST holds, checked to be a checkpoint's name (no path, no other file). */
    private Optional<String> latestName() {
        if (!store.exists(RunLayout.LATEST)) {
            return Optional.empty();
        }
        String name = new String(store.read(RunLayout.LATEST), StandardCharsets.UTF_8).trim();
        if (!Checkpoint.NAME.matcher(name).matches()) {
            throw new RunDirectoryException(store.uri(RunLayout.LATEST) + " names '" + name
                    + "', which is not a checkpoint file (epoch-EEEE-round-RRRRRR.zip)");
        }
        return Optional.of(name);
    }
}
