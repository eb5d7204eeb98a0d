package sparkcnn.bench;

import sparkcnn.jobs.report.Stats;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;
import sparkcnn.driver.SparkContexts;
import sparkcnn.driver.train.AveragingSettings;
import sparkcnn.driver.train.AveragingTrainer;
import sparkcnn.driver.train.LearningRateSchedule;
import sparkcnn.driver.train.RoundReport;
import sparkcnn.jobs.report.PeakMemory;
import sparkcnn.kernels.arch.DenseNet;
import sparkcnn.kernels.arch.ModelSpec;
import sparkcnn.kernels.arch.PatternNet;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.backend.BackendChoice;
import sparkcnn.kernels.backend.BackendInfo;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.data.ExampleBlock;
import sparkcnn.kernels.net.GraphBuilder;
import sparkcnn.kernels.net.Optimizer;
import sparkcnn.kernels.train.ModelState;

/**
 * {@code bench train}: per-worker training and inference images/s (medians after warm-up) with
 * peak heap and off-heap memory, each beside PyTorch's on the same model, batch and threads
 * (bench/peer/torch_bench.py, run right after, in the same session); then Spark local mode with 2
 * workers x 1 thread against the one-process 2-thread figure, and the time and share of one
 * parameter-averaging round at averaging frequency 1, 5 and 20.
 */
public final class TrainBench {
    /** A benchmarked network: its name (shared with the PyTorch peer), architecture and batch. */
    public record Model(String name, ModelSpec spec, int batch, boolean inference, boolean spark) {
        /** A freshly initialised network of this model, trained by SGD with Nesterov momentum as the peer is. */
        ComputationGraph newGraph() {
            ComputationGraph graph = new ComputationGraph(GraphBuilder.build(spec.architecture(), SGD, 1));
            graph.init();
            return graph;
        }

        /** One minibatch of random inputs and labels, fixed by a seed. */
        DataSet syntheticBatch() {
            Volume in = spec.input();
            int classes = spec.classes();
            var random = new SplittableRandom(1);
            return new DataSet(Nd4j.rand(new int[] {batch, in.depth(), in.height(), in.width()}),
                    Nd4j.eye(classes).getRows(random.ints(batch, 0, classes).toArray()));
        }
    }

    public static final List<Model> MODELS = List.of(
            new Model("pattern", new PatternNet(new Volume(28, 28, 1), List.of(new PatternNet.Stage(1, 32, 3, true),
                    new PatternNet.Stage(1, 64, 3, true)), List.of(128), 10), 128, false, true),
            new Model("densenet-bc-40", denseNetBc(40), 64, true, true),
            new Model("densenet-bc-100", denseNetBc(100), 64, true, false),
            new Model("densenet-121", DenseNet.imagenet(121, new Volume(224, 224, 3), 1000), 16, true, false));
    static final int[] FREQUENCIES = {1, 5, 20};
    static final Optimizer SGD = new Optimizer("nesterovs", 0.01, 0.9, 0);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int warmup;
    private final int iterations;
    private final int threads;
    private final String python;
    private final PrintStream out;

    public TrainBench(int warmup, int iterations, int threads, String python, PrintStream out) {
        this.warmup = warmup;
        this.iterations = iterations;
        this.threads = threads;
        this.python = python;
        this.out = out;
    }

    private static ModelSpec denseNetBc(int depth) {
        return DenseNet.cifar(depth, 12, true, 0.5, new Volume(32, 32, 3), 10, 0);
    }

    /** The models named in {@code only} (all where it is empty). */
    public static List<Model> models(List<String> only) {
        List<Model> models = MODELS.stream().filter(m -> only.isEmpty() || only.contains(m.name())).toList();
        if (models.size() < new java.util.HashSet<>(only).size() || models.isEmpty()) {
            throw new IllegalArgumentException("unknown model in --only " + only + "; bench knows "
                    + MODELS.stream().map(Model::name).toList());
        }
        return models;
    }

    public Map<String, Object> run(List<String> only, File outDir) {
        List<Model> models = models(only);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("machine", machine());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Model model : models) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("model", model.name());
            row.put("batch", model.batch());
            row.put("threads", threads);
            row.putAll(single(model));
            JsonNode peer = peer(model);
            if (peer != null) {
                row.put("torch_train_images_per_second", peer.get("train_images_per_second").asDouble());
                row.put("ratio_train_vs_torch", (double) row.get("train_images_per_second")
                        / peer.get("train_images_per_second").asDouble());
                if (peer.has("inference_images_per_second")) {
                    row.put("torch_inference_images_per_second", peer.get("inference_images_per_second").asDouble());
                    row.put("ratio_inference_vs_torch", (double) row.get("inference_images_per_second")
                            / peer.get("inference_images_per_second").asDouble());
                }
                row.put("torch_peak_rss_bytes", peer.get("peak_rss_bytes").asLong());
            }
            out.println(row);
            rows.add(row);
        }
        result.put("single_process", rows);
        List<Map<String, Object>> spark = new ArrayList<>();
        List<Model> sparkModels = models.stream().filter(Model::spark).toList();
        if (!sparkModels.isEmpty()) {
            try (JavaSparkContext sc = SparkContexts.start("local[" + threads + "]", "sparkcnn bench", true)) {
                for (Model model : sparkModels) {
                    Map<String, Object> single = rows.stream().filter(r -> r.get("model").equals(model.name()))
                            .findFirst().orElseThrow();
                    for (int frequency : FREQUENCIES) {
                        Map<String, Object> row = sparkRounds(sc, model, frequency,
                                (double) single.get("train_images_per_second"));
                        if (single.containsKey("torch_train_images_per_second")) {
                            // the machine's throughput as sparkcnn deploys it against PyTorch's on the same cores
                            row.put("ratio_vs_torch", (double) row.get("train_images_per_second")
                                    / (double) single.get("torch_train_images_per_second"));
                        }
                        out.println(row);
                        spark.add(row);
                    }
                }
            }
        }
        result.put("spark_local", spark);
        write(result, outDir);
        return result;
    }

    /** One process, {@code threads} OpenMP threads: forward + backward + update, then inference. */
    private Map<String, Object> single(Model model) {
        NativeBackend.init(threads);
        ComputationGraph graph = model.newGraph();
        DataSet batch = model.syntheticBatch();
        resetPeaks();
        long offHeapPeak = 0;
        long rssPeak = 0;
        double[] seconds = new double[iterations];
        for (int i = -warmup; i < iterations; i++) {
            long t0 = System.nanoTime();
            graph.fit(batch);
            if (i >= 0) {
                seconds[i] = (System.nanoTime() - t0) / 1e9;
            }
            // ND4J allocates outside JavaCPP's accounting: off-heap = resident set minus the Java heap
            long rss = Pointer.physicalBytes();
            rssPeak = Math.max(rssPeak, rss);
            offHeapPeak = Math.max(offHeapPeak, rss - Runtime.getRuntime().totalMemory());
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("parameters", graph.numParams());
        row.put("train_seconds_per_batch", Stats.median(seconds));
        row.put("train_images_per_second", model.batch() / Stats.median(seconds));
        if (model.inference()) {
            double[] inference = new double[iterations];
            for (int i = -warmup; i < iterations; i++) {
                long t0 = System.nanoTime();
                graph.output(false, batch.getFeatures());
                if (i >= 0) {
                    inference[i] = (System.nanoTime() - t0) / 1e9;
                }
            }
            row.put("inference_images_per_second", model.batch() / Stats.median(inference));
        }
        row.put("peak_heap_bytes", PeakMemory.heapBytes());
        row.put("peak_offheap_bytes", offHeapPeak);
        row.put("peak_rss_bytes", rssPeak);
        return row;
    }

    /**
     * Spark local mode, 2 workers x 1 thread, on synthetic shards: throughput against one process
     * with 2 threads, and per round the time not spent fitting (broadcast, scheduling, reduce, divide).
     */
    private Map<String, Object> sparkRounds(JavaSparkContext sc, Model model, int frequency, double singleRate) {
        int rounds = warmup + Math.max(2, iterations / Math.max(1, frequency / 5));
        Volume in = model.spec().input();
        int classes = model.spec().classes();
        int perWorker = model.batch() * frequency * rounds;
        List<ExampleBlock> shards = new ArrayList<>();
        var random = new SplittableRandom(7);
        for (int w = 0; w < threads; w++) {
            byte[] pixels = new byte[(int) in.size() * perWorker];
            random.nextBytes(pixels);
            shards.add(ExampleBlock.contiguous((long) w * perWorker, in, pixels,
                    random.ints(perWorker, 0, classes).toArray()));
        }
        JavaRDD<ExampleBlock> rdd = sc.parallelize(shards, threads).cache();
        rdd.count();
        var settings = new AveragingSettings(threads, model.batch(), frequency, 1, 1, classes, in.depth());
        ComputationGraph graph = model.newGraph();
        List<RoundReport> reports = new ArrayList<>();
        new AveragingTrainer(sc, settings).fitEpoch(ModelState.of(graph), AveragingTrainer.cached(rdd), perWorker, 1, 0,
                LearningRateSchedule.constant(0.01, 1), (report, state) -> reports.add(report));
        rdd.unpersist();
        List<RoundReport> timed = reports.subList(warmup, reports.size());
        double roundSeconds = Stats.median(timed.stream().mapToDouble(RoundReport::seconds).toArray());
        double averaging = Stats.median(timed.stream().mapToDouble(r -> r.seconds() - r.fitSeconds()).toArray());
        double rate = (double) threads * model.batch() * frequency / roundSeconds;
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("model", model.name());
        row.put("workers", threads);
        row.put("threads_per_worker", 1);
        row.put("averaging_frequency", frequency);
        row.put("rounds_timed", timed.size());
        row.put("round_seconds", roundSeconds);
        row.put("averaging_seconds", averaging);
        row.put("averaging_share", averaging / roundSeconds);
        row.put("train_images_per_second", rate);
        row.put("ratio_vs_one_process", rate / singleRate);
        return row;
    }

    /** PyTorch's figures for the same model, or null where python3-torch is not installed. */
    private JsonNode peer(Model model) {
        Path script = PeerProcess.script();
        if (python == null || !Files.isRegularFile(script)) {
            return null;
        }
        List<String> command = new ArrayList<>(List.of(python, script.toString(), "--model", model.name(),
                "--batch", String.valueOf(model.batch()), "--threads", String.valueOf(threads),
                "--warmup", String.valueOf(warmup), "--iters", String.valueOf(iterations)));
        if (model.inference()) {
            command.add("--inference");
        }
        try {
            PeerProcess.Outcome peer = PeerProcess.runPeer(command, 30);
            if (peer.status() != 0) {
                out.println("PyTorch peer failed for " + model.name() + ": " + peer.stderr().strip());
                return null;
            }
            return JSON.readTree(peer.stdout().strip());
        } catch (IOException e) {
            out.println("PyTorch peer not run (" + e.getMessage() + "); install python3-torch python3-torchvision");
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private Map<String, Object> machine() {
        BackendInfo backend = NativeBackend.init(threads);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu", cpuModel());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("cpu_flags", cpuFlags());
        m.put("backend", backend.describe());
        m.put("device", BackendChoice.AUTO.verify());
        m.put("glibc_tunables", System.getenv().getOrDefault("GLIBC_TUNABLES", "(unset)"));
        m.put("gomp_spincount", System.getenv().getOrDefault("GOMP_SPINCOUNT", "(unset)")
                + " (sparkcnn; PyTorch at OpenMP's default, its fastest)");
        m.put("nd4j_build", NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo().strip().replace('\n', ' '));
        m.put("java", System.getProperty("java.version"));
        m.put("threads", threads);
        m.put("warmup", warmup);
        m.put("iterations", iterations);
        return m;
    }

    private static String cpuModel() {
        return cpuInfo("model name");
    }

    private static String cpuFlags() {
        String flags = " " + cpuInfo("flags") + " ";
        List<String> simd = new ArrayList<>();
        for (String f : List.of("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_bf16", "amx_tile")) {
            if (flags.contains(" " + f + " ")) {
                simd.add(f);
            }
        }
        return String.join(" ", simd);
    }

    private static String cpuInfo(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith(key)) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException ignored) {
            // not Linux: unknown
        }
        return "unknown";
    }

    private static void resetPeaks() {
        System.gc();
        PeakMemory.resetHeapPeaks();
    }

    private void write(Map<String, Object> result, File outDir) {
        try {
            outDir.mkdirs();
            JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValue(new File(outDir, "train.json"), result);
            String md = BenchTables.markdown(result);
            Files.writeString(new File(outDir, "train.md").toPath(), md);
            out.print(md);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
