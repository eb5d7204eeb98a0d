package sparkcnn.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import sparkcnn.driver.data.IdxFile;
import sparkcnn.driver.run.Normalization;
import sparkcnn.driver.run.RunLayout;
import sparkcnn.jobs.cli.ModelTarget;
import sparkcnn.jobs.config.JobConfig;
import sparkcnn.jobs.export.OnnxModelExport;
import sparkcnn.jobs.model.TrainedModel;
import sparkcnn.jobs.report.Stats;
import sparkcnn.jobs.train.TrainSpec;
import sparkcnn.kernels.arch.DenseNet;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.data.Augmentation;
import sparkcnn.kernels.data.Preprocessing;
import sparkcnn.kernels.net.GraphBuilder;
import sparkcnn.kernels.optim.Optimizer;

/**
 * Exported models against the networks they came from, on one machine: the same class for every
 * input and the largest probability difference, and inference speed of ONNX Runtime beside the
 * network's own forward pass (what {@code predict} runs per batch), both on the same threads,
 * alternating, medians of the repetitions.
 */
final class OnnxBench {
    private static final int BATCH = 100;

    private OnnxBench() {
    }

    /** One model's inputs: NCHW pixels in [0, 1], and the same normalised as the network saw them. */
    private record Inputs(float[] pixels, float[] normalised, long[] shape) {
    }

    static void run(List<String> models, String idx, int count, int denseNet121Inputs, int threads, int repeats,
                    File results, PrintStream out) throws IOException, OrtException {
        NativeBackend.init(threads);
        var rows = new ArrayList<Map<String, Object>>();
        var conf = new Configuration();
        for (String target : models) {
            var spec = TrainSpec.from(JobConfig.loadRun(ModelTarget.runDirOf(target), List.of()));
            var trained = TrainedModel.open(ModelTarget.modelOf(target), spec.model(), conf);
            Preprocessing scaling = Normalization.scaling(trained.run().normalization(), spec.model().input().depth());
            byte[] onnx = OnnxModelExport.onnx(trained.graph(), spec.model().input(), trained.run(), target);
            rows.add(compare(target, trained.graph(), onnx, fashionMnist(idx, count, spec.model().input(), scaling, conf),
                    threads, repeats, out));
        }
        if (denseNet121Inputs > 0) {
            Volume input = new Volume(224, 224, 3);
            var net = DenseNet.imagenet(121, input, 1000).architecture();
            var graph = new ComputationGraph(GraphBuilder.build(net, Optimizer.constant("sgd", 0.05, 0.9, 0), 1));
            graph.init();
            for (int step = 0; step < 3; step++) { // batch norms' running statistics move off their initial values
                var labels = Nd4j.zeros(DataType.FLOAT, 4, 1000);
                for (int i = 0; i < 4; i++) {
                    labels.putScalar(i, 7 * i + step, 1);
                }
                graph.fit(new DataSet(Nd4j.rand(DataType.FLOAT, 4, 3, 224, 224), labels));
            }
            var scaling = new Preprocessing(Augmentation.NONE, new float[] {0.485f, 0.456f, 0.406f},
                    new float[] {0.229f, 0.224f, 0.225f});
            byte[] onnx = OnnxModelExport.onnx(graph, input, scaling, List.of(), "densenet-121, 3 steps on random images");
            rows.add(compare("densenet-121 (224x224, 3 steps)", graph, onnx, random(denseNet121Inputs, input, scaling),
                    threads, Math.min(repeats, 2), out));
        }
        var result = new LinkedHashMap<String, Object>();
        result.put("threads", threads);
        result.put("batch", BATCH);
        result.put("cpu", Cpu.model());
        result.put("models", rows);
        results.mkdirs();
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(new File(results, "onnx.json"), result);
    }

    private static Map<String, Object> compare(String name, ComputationGraph graph, byte[] onnx, Inputs inputs, int threads,
                                               int repeats, PrintStream out) throws OrtException {
        var env = OrtEnvironment.getEnvironment();
        var options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(threads);
        try (var session = env.createSession(onnx, options)) {
            int n = (int) inputs.shape()[0];
            float[][] fromOnnx = null;
            float[][] fromNetwork = null;
            double[] onnxRates = new double[repeats];
            double[] networkRates = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                long t = System.nanoTime();
                fromNetwork = network(graph, inputs);
                networkRates[r] = n / ((System.nanoTime() - t) / 1e9);
                t = System.nanoTime();
                fromOnnx = onnxRuntime(env, session, inputs);
                onnxRates[r] = n / ((System.nanoTime() - t) / 1e9);
            }
            int same = 0;
            double largest = 0;
            for (int i = 0; i < n; i++) {
                same += argmax(fromOnnx[i]) == argmax(fromNetwork[i]) ? 1 : 0;
                for (int k = 0; k < fromOnnx[i].length; k++) {
                    largest = Math.max(largest, Math.abs(fromOnnx[i][k] - fromNetwork[i][k]));
                }
            }
            var row = new LinkedHashMap<String, Object>();
            row.put("model", name);
            row.put("inputs", n);
            row.put("same_class", same);
            row.put("largest_probability_difference", largest);
            row.put("onnx_runtime_images_per_second", Stats.median(onnxRates));
            row.put("network_images_per_second", Stats.median(networkRates));
            out.printf(Locale.ROOT, "%s: %d of %d the same class, largest difference %.2e; ONNX Runtime %.0f img/s, "
                            + "the network %.0f img/s (x%.2f)%n", name, same, n, largest, Stats.median(onnxRates),
                    Stats.median(networkRates), Stats.median(onnxRates) / Stats.median(networkRates));
            return row;
        }
    }

    private static float[][] network(ComputationGraph graph, Inputs inputs) {
        int n = (int) inputs.shape()[0];
        int size = inputs.normalised().length / n;
        float[][] p = new float[n][];
        for (int from = 0; from < n; from += BATCH) {
            int count = Math.min(BATCH, n - from);
            float[] batch = java.util.Arrays.copyOfRange(inputs.normalised(), from * size, (from + count) * size);
            long[] shape = inputs.shape().clone();
            shape[0] = count;
            float[][] out = graph.outputSingle(false, Nd4j.create(batch, shape, 'c')).toFloatMatrix();
            System.arraycopy(out, 0, p, from, count);
        }
        return p;
    }

    private static float[][] onnxRuntime(OrtEnvironment env, OrtSession session, Inputs inputs) throws OrtException {
        int n = (int) inputs.shape()[0];
        int size = inputs.pixels().length / n;
        float[][] p = new float[n][];
        for (int from = 0; from < n; from += BATCH) {
            int count = Math.min(BATCH, n - from);
            long[] shape = inputs.shape().clone();
            shape[0] = count;
            try (var tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(inputs.pixels(), from * size, count * size), shape);
                 var result = session.run(Map.of("pixels", tensor))) {
                float[][] out = (float[][]) result.get("probabilities").orElseThrow().getValue();
                System.arraycopy(out, 0, p, from, count);
            }
        }
        return p;
    }

    private static Inputs fashionMnist(String idx, int count, Volume input, Preprocessing scaling, Configuration conf) {
        byte[] bytes = IdxFile.open(idx, conf).read(conf, 0, count);
        float[] pixels = new float[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            pixels[i] = (bytes[i] & 0xFF) / 255f;
        }
        return inputs(pixels, count, input, scaling);
    }

    private static Inputs random(int count, Volume input, Preprocessing scaling) {
        var random = new java.util.SplittableRandom(11);
        float[] pixels = new float[count * input.depth() * input.height() * input.width()];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextInt(256) / 255f;
        }
        return inputs(pixels, count, input, scaling);
    }

    private static Inputs inputs(float[] pixels, int count, Volume input, Preprocessing scaling) {
        int plane = input.height() * input.width();
        float[] normalised = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            int c = (i / plane) % input.depth();
            normalised[i] = (pixels[i] - scaling.mean()[c]) / scaling.std()[c];
        }
        return new Inputs(pixels, normalised, new long[] {count, input.depth(), input.height(), input.width()});
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            best = values[i] > values[best] ? i : best;
        }
        return best;
    }
}
