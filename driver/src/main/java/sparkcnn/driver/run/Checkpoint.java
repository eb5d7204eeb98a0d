package sparkcnn.driver.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import sparkcnn.kernels.train.ModelState;
import sparkcnn.kernels.train.WorkerNets;

/**
 * Where a run can continue from: the averaged model state (parameters, updater state, counters,
 * learning rate) after {@code roundsDone} rounds of {@code epoch}, and the seed. Data order and
 * augmentation follow from the seed, the epoch and the round, so resuming reproduces the rounds the
 * interrupted run would have done.
 *
 * <p>Format: a DL4J model zip ({@code configuration.json}, {@code coefficients.bin},
 * {@code updaterState.bin}: {@code ModelSerializer.restoreComputationGraph} opens it as it is) with
 * one more entry, {@value #JSON_ENTRY}: {@code format}, {@code epoch}, {@code rounds_done},
 * {@code epoch_complete}, {@code seed}, {@code iteration}, {@code epoch_count}, {@code learning_rate}.
 * No Java serialization: a checkpoint is data, never code.
 */
public record Checkpoint(ModelState state, int epoch, int roundsDone, boolean epochComplete, long seed) {
    public static final String JSON_ENTRY = "sparkcnn-checkpoint.json";
    static final int FORMAT = 1;
    /** {@code epoch-EEEE-round-RRRRRR.zip}; more digits once the numbers outgrow them. */
    static final Pattern NAME = Pattern.compile("epoch-(\\d{4,9})-round-(\\d{6,9})\\.zip");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The file name inside the run's checkpoint directory. */
    public String fileName() {
        return String.format(Locale.ROOT, "epoch-%04d-round-%06d.zip", epoch, roundsDone);
    }

    /** Checkpoint names in training order: by epoch, then round (not by text, which misorders epoch 10000). */
    static int compareNames(String a, String b) {
        long[] x = position(a);
        long[] y = position(b);
        return x[0] != y[0] ? Long.compare(x[0], y[0]) : Long.compare(x[1], y[1]);
    }

    /** (epoch, round) of a checkpoint file name; an error for any other name. */
    static long[] position(String name) {
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a checkpoint file name: '" + name + "'");
        }
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
    }

    /** The trained network alone, as DL4J saves it (with its updater state): what model.zip holds. */
    public byte[] modelZip() {
        ComputationGraph graph = WorkerNets.borrow(state);
        try {
            var bytes = new ByteArrayOutputStream();
            ModelSerializer.writeModel(graph, bytes, true);
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            WorkerNets.release(state, graph);
        }
    }

    /** Writes the DL4J zip {@code modelZip} of this state with the checkpoint's own entry added. */
    void writeTo(OutputStream out, byte[] modelZip) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(out);
        try (var in = new ZipInputStream(new ByteArrayInputStream(modelZip))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                zip.putNextEntry(new ZipEntry(entry.getName()));
                in.transferTo(zip);
                zip.closeEntry();
            }
        }
        zip.putNextEntry(new ZipEntry(JSON_ENTRY));
        zip.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(counters()));
        zip.closeEntry();
        zip.finish();
    }

    private Map<String, Object> counters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("epoch", epoch);
        m.put("rounds_done", roundsDone);
        m.put("epoch_complete", epochComplete);
        m.put("seed", seed);
        m.put("iteration", state.iteration());
        m.put("epoch_count", state.epoch());
        m.put("learning_rate", state.learningRate());
        return m;
    }

    /** A checkpoint from its bytes; {@code source} names it in errors. */
    static Checkpoint read(byte[] bytes, String source) throws IOException {
        JsonNode counters = null;
        try (var in = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                if (entry.getName().equals(JSON_ENTRY)) {
                    counters = JSON.readTree(in.readAllBytes());
                }
            }
        }
        if (counters == null || counters.path("format").asInt() != FORMAT) {
            throw new IOException("not a sparkcnn checkpoint (no " + JSON_ENTRY + " of format " + FORMAT + "): " + source);
        }
        ComputationGraph graph = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes), true);
        ModelState restored = ModelState.of(graph);
        var state = new ModelState(restored.configJson(), restored.params(), restored.updaterState(),
                counters.get("iteration").asInt(), counters.get("epoch_count").asInt(),
                counters.get("learning_rate").asDouble());
        return new Checkpoint(state, counters.get("epoch").asInt(), counters.get("rounds_done").asInt(),
                counters.get("epoch_complete").asBoolean(), counters.get("seed").asLong());
    }
}
