package sparkcnn.driver.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;
import sparkcnn.driver.io.RunDirectoryException;
import sparkcnn.kernels.data.Augmentation;
import sparkcnn.kernels.data.Preprocessing;

/**
 * The per-channel mean and standard deviation of a run's training set ({@code normalization.json}),
 * with which its network sees every input: in training, evaluation, predict and the Spark ML model.
 */
public record Normalization(float[] mean, float[] std) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The statistics a JSON object holds in its {@code mean} and {@code std} arrays. */
    public static Normalization of(JsonNode node) {
        return new Normalization(floats(node.get("mean")), floats(node.get("std")));
    }

    static Normalization parse(byte[] json, String source) {
        try {
            return of(JSON.readTree(json));
        } catch (IOException | RuntimeException e) {
            throw new RunDirectoryException("unreadable " + source + ": " + e.getMessage());
        }
    }

    String toJson() {
        return String.format("{\"mean\": %s, \"std\": %s}%n", Arrays.toString(mean), Arrays.toString(std));
    }

    public Preprocessing preprocessing(Augmentation augmentation) {
        return new Preprocessing(augmentation, mean, std);
    }

    /** How a run's model sees its inputs: its normalisation where it normalised, else scaling to [0, 1]. */
    public static Preprocessing scaling(Optional<Normalization> run, int channels) {
        Preprocessing scaleOnly = Preprocessing.scaleOnly(channels);
        return run.map(n -> n.preprocessing(scaleOnly.augmentation())).orElse(scaleOnly);
    }

    private static float[] floats(JsonNode array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) array.get(i).asDouble();
        }
        return values;
    }
}
