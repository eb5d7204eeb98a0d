package sparkcnn.driver.train;

import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import sparkcnn.driver.io.RunStore;
import sparkcnn.kernels.train.ModelState;

/**
 * Where a run can continue from: the averaged model state (parameters, updater state, counters,
 * learning rate) after {@code roundsDone} rounds of {@code epoch}, and the seed. Data order and
 * augmentation follow from the seed, the epoch and the round, so resuming reproduces the rounds the
 * interrupted run would have done.
 *
 * <p>Files: {@code checkpoints/epoch-EEE-round-RRRRR.ckpt}, each written atomically, then
 * {@code checkpoints/LATEST} naming it, also atomically: a crash at any point leaves LATEST naming a
 * complete checkpoint. The newest {@link #KEEP} are kept.
 */
public record Checkpoint(ModelState state, int epoch, int roundsDone, boolean epochComplete, long seed)
        implements Serializable {
    public static final String DIR = "checkpoints";
    public static final String LATEST = DIR + "/LATEST";
    static final int KEEP = 3;

    public String fileName() {
        return String.format("%s/epoch-%03d-round-%05d.ckpt", DIR, epoch, roundsDone);
    }

    /** Writes this checkpoint, then points LATEST at it, then drops the oldest beyond {@link #KEEP}. */
    public String save(RunStore store) {
        store.write(fileName(), out -> {
            try (var objects = new ObjectOutputStream(out)) {
                objects.writeObject(this);
            }
        });
        store.writeText(LATEST, fileName() + "\n");
        List<String> all = new ArrayList<>(store.list(DIR, ".ckpt"));
        all.sort(null);
        for (int i = 0; i < all.size() - KEEP; i++) {
            store.delete(DIR + "/" + all.get(i));
        }
        return store.uri(fileName());
    }

    /** The checkpoint LATEST names, if the run has one. */
    public static Optional<Checkpoint> latest(RunStore store) {
        if (!store.exists(LATEST)) {
            return Optional.empty();
        }
        String name = new String(store.read(LATEST), StandardCharsets.UTF_8).trim();
        try (InputStream in = new java.io.ByteArrayInputStream(store.read(name)); var objects = new ObjectInputStream(in)) {
            return Optional.of((Checkpoint) objects.readObject());
        } catch (IOException | ClassNotFoundException e) {
            throw new UncheckedIOException("cannot read checkpoint " + store.uri(name),
                    e instanceof IOException io ? io : new IOException(e));
        }
    }
}
