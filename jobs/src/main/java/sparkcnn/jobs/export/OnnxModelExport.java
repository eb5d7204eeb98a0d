package sparkcnn.jobs.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import sparkcnn.driver.io.RunStore;
import sparkcnn.driver.run.Normalization;
import sparkcnn.driver.run.RunLayout;
import sparkcnn.jobs.data.DataContext;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.data.Preprocessing;
import sparkcnn.kernels.onnx.OnnxExport;

/**
 * A trained model written as an ONNX file: the network, the run's input normalisation and class
 * names, built whole in memory (a layer without an ONNX form is refused before anything is written)
 * and written atomically, so a failed export leaves no file behind.
 */
public final class OnnxModelExport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OnnxModelExport() {
    }

    /** The ONNX model of {@code graph}, trained in {@code run} on images of {@code input}. */
    public static byte[] onnx(ComputationGraph graph, Volume input, RunLayout run, String source) {
        Preprocessing scaling = Normalization.scaling(run.normalization(), input.depth());
        int outputs = (int) graph.getLayer(graph.getConfiguration().getNetworkOutputs().get(0)).getParam("W").size(1);
        List<String> classes = run.classes().orElse(DataContext.numbered(outputs));
        return onnx(graph, input, scaling, classes, source);
    }

    /** The ONNX model of {@code graph} with its input scaling and class names. */
    public static byte[] onnx(ComputationGraph graph, Volume input, Preprocessing scaling, List<String> classes,
                              String source) {
        Map<String, String> metadata = new LinkedHashMap<>();
        try {
            metadata.put("classes", JSON.writeValueAsString(classes));
            metadata.put("normalization", JSON.writeValueAsString(Map.of("mean", scaling.mean(), "std", scaling.std())));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        metadata.put("input", String.format(Locale.ROOT, "%s: float32 [batch, %d, %d, %d] NCHW, pixels in [0, 1]",
                OnnxExport.INPUT, input.depth(), input.height(), input.width()));
        metadata.put("output", OnnxExport.OUTPUT + ": float32 [batch, classes], the probabilities of 'classes'");
        metadata.put("source", source);
        return OnnxExport.export(graph, input, scaling.mean(), scaling.std(), metadata).toByteArray();
    }

    /** Writes {@code model} to {@code out} (any Hadoop file system) atomically; an existing file only with {@code overwrite}. */
    public static void write(byte[] model, String out, boolean overwrite, Configuration conf, PrintStream log) {
        refuseExisting(new Path(out), overwrite, conf);
        writeWhole(model, out, conf);
        log.printf(Locale.ROOT, "export-model: %s (ONNX opset %d, %.1f MB)%n", out, OnnxExport.OPSET, model.length / 1e6);
    }

    /** Writes {@code model} to {@code out} whole or not at all (a temporary file renamed over it). */
    public static void writeWhole(byte[] model, String out, Configuration conf) {
        Path path = new Path(out);
        Path dir = path.getParent() == null ? new Path(".") : path.getParent();
        new RunStore(dir.toString(), conf).write(path.getName(), stream -> stream.write(model));
    }

    static void refuseExisting(Path path, boolean overwrite, Configuration conf) {
        try {
            if (!overwrite && path.getFileSystem(conf).exists(path)) {
                throw new IllegalArgumentException(path + " exists; pass --overwrite to replace it");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot check " + path + ": " + e.getMessage(), e);
        }
    }
}
