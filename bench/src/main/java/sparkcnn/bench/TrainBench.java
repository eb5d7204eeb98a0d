package sparkcnn.bench;

import sparkcnn.jobs.report.Stats;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.nativeblas.NativeOpsHolder;
import sparkcnn.driver.SparkContexts;
import sparkcnn.driver.train.AllReduceEngine;
import sparkcnn.driver.train.AveragingSettings;
import sparkcnn.driver.data.CachedShard;
import sparkcnn.driver.data.Shard;
import sparkcnn.driver.train.DriverEngine;
import sparkcnn.driver.train.EngineKind;
import sparkcnn.driver.train.Engine;
import sparkcnn.kernels.optim.LearningRateSchedule;
import sparkcnn.driver.train.RoundReport;
import sparkcnn.driver.train.StopRequest;
import sparkcnn.jobs.report.PeakMemory;
import sparkcnn.kernels.arch.Volume;
import sparkcnn.kernels.backend.BackendChoice;
import sparkcnn.kernels.backend.BackendInfo;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.data.ExampleBlock;
import sparkcnn.kernels.train.ModelState;

/**
 * {@code bench train}: per-worker training and inference images/s (medians after warm-up) with
 * peak heap and off-heap memory, each beside PyTorch's on the same model, batch and threads
 * (bench/peer/torch_bench.py, run right after, in the same session); then Spark local mode with 2
 * workers x 1 thread against the one-process 2-thread figure, and the time and share of one
 * parameter-averaging round at averaging frequency 1, 5 and 20, for the ring (the default engine,
 * what a user's job runs) and the driver's averaging.
 */
public final class TrainBench {
    static final int[] FREQUENCIES = {1, 5, 20};
    private static final List<String> ENGINES = List.of(EngineKind.ALLREDUCE.configName(),
            EngineKind.DRIVER.configName());
    /** How long the ring's workers and driver wait for each other: the benchmark's rounds take seconds. */
    private static final int RING_TIMEOUT_SECONDS = 600;
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

    public Map<String, Object> run(List<String> only, File outDir) {
        return run(only, outDir, 1);
    }

    /**
     * The whole measurement {@code repeats} times, sparkcnn and PyTorch alternating within each; with
     * more than one, every figure is the median over the runs (a ratio too: each run's is side by
     * side), and the runs are kept in train.json.
     */
    public Map<String, Object> run(List<String> only, File outDir, int repeats) {
        if (repeats < 1) {
            throw new IllegalArgumentException("--repeats must be at least 1, got " + repeats);
        }
        List<Map<String, Object>> runs = new ArrayList<>();
        for (int i = 0; i < repeats; i++) {
            runs.add(measure(only));
        }
        Map<String, Object> result = repeats == 1 ? runs.get(0) : medians(runs);
        write(result, outDir);
        return result;
    }

    /**
     * Each numeric figure of each row as its median over the runs; the rest as the first run has it,
     * peak memory too: later runs' JVM has held Spark and the models before (PyTorch's is its own each time).
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> medians(List<Map<String, Object>> runs) {
        Map<String, Object> result = new LinkedHashMap<>();
        var machine = new LinkedHashMap<>((Map<String, Object>) runs.get(0).get("machine"));
        machine.put("runs", runs.size());
        result.put("machine", machine);
        for (String table : List.of("single_process", "spark_local")) {
            var first = (List<Map<String, Object>>) runs.get(0).get(table);
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int r = 0; r < first.size(); r++) {
                int row = r;
                Map<String, Object> median = new LinkedHashMap<>(first.get(r));
                median.replaceAll((key, value) -> {
                    if (!(value instanceof Double || value instanceof Long) || key.endsWith("_bytes")) {
                        return value;
                    }
                    double m = Stats.median(runs.stream().mapToDouble(run -> ((Number) ((List<Map<String, Object>>)
                            run.get(table)).get(row).get(key)).doubleValue()).toArray());
                    return value instanceof Long ? (Object) Math.round(m) : (Object) m;
                });
                rows.add(median);
            }
            result.put(table, rows);
        }
        result.put("runs", runs);
        return result;
    }

    private Map<String, Object> measure(List<String> only) {
        List<Model> models = Model.named(only);
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
                row.putAll(besidePeer(row, peer));
            }
            out.println(row);
            rows.add(row);
        }
        result.put("single_process", rows);
        result.put("spark_local", spark(models.stream().filter(Model::spark).toList(), rows));
        return result;
    }

    /** PyTorch's figures beside ours, and the ratios. */
    private static Map<String, Object> besidePeer(Map<String, Object> row, JsonNode peer) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("torch_train_images_per_second", peer.get("train_images_per_second").asDouble());
        m.put("ratio_train_vs_torch", (double) row.get("train_images_per_second")
                / peer.get("train_images_per_second").asDouble());
        if (peer.has("inference_images_per_second")) {
            m.put("torch_inference_images_per_second", peer.get("inference_images_per_second").asDouble());
            m.put("ratio_inference_vs_torch", (double) row.get("inference_images_per_second")
                    / peer.get("inference_images_per_second").asDouble());
        }
        m.put("torch_peak_rss_bytes", peer.get("peak_rss_bytes").asLong());
        return m;
    }

    /** Spark local mode, {@code threads} workers of one thread, at each averaging frequency. */
    private List<Map<String, Object>> spark(List<Model> models, List<Map<String, Object>> singleRows) {
        List<Map<String, Object>> spark = new ArrayList<>();
        if (models.isEmpty()) {
            return spark;
        }
        try (JavaSparkContext sc = SparkContexts.start("local[" + threads + "]", "sparkcnn bench", true)) {
            for (Model model : models) {
                Map<String, Object> single = singleRows.stream().filter(r -> r.get("model").equals(model.name()))
                        .findFirst().orElseThrow();
                for (String engine : ENGINES) {
                    for (int frequency : FREQUENCIES) {
                        Map<String, Object> row = sparkRounds(sc, model, engine, frequency,
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
        return spark;
    }

    /** One process, {@code threads} OpenMP threads: forward + backward + update, then inference. */
    Map<String, Object> single(Model model) {
        NativeBackend.init(threads);
        ComputationGraph graph = model.newGraph();
        DataSet batch = model.syntheticBatch();
        resetPeaks();
        long offHeapPeak = 0;
        long rssPeak = 0;
        double[] seconds = new double[iterations];
        double[] warmupSeconds = new double[warmup];
        for (int i = -warmup; i < iterations; i++) {
            long t0 = System.nanoTime();
            graph.fit(batch);
            double stepSeconds = (System.nanoTime() - t0) / 1e9;
            if (i >= 0) {
                seconds[i] = stepSeconds;
            } else {
                warmupSeconds[warmup + i] = stepSeconds;
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
        // the JVM compiles its kernels during the first steps: what they took, beside the steady state
        row.put("train_warmup_seconds", java.util.Arrays.stream(warmupSeconds).boxed().toList());
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
        row.put("peak_rss_hwm_bytes", PeakMemory.residentBytes());
        return row;
    }

    /**
     * Spark local mode, 2 workers x 1 thread, on synthetic shards, trained by {@code engine}: throughput
     * against one process with 2 threads, and per round the time not spent fitting (the driver's
     * broadcast, scheduling, reduce and divide; the ring's all-reduce and the report to the driver).
     */
    private Map<String, Object> sparkRounds(JavaSparkContext sc, Model model, String engine, int frequency,
                                            double singleRate) {
        // at least the warm-up's steps per worker before the timed rounds, as many as one process warms up
        int warmupRounds = Math.max(1, (warmup + frequency - 1) / frequency);
        int rounds = warmupRounds + Math.max(2, iterations / Math.max(1, frequency / 5));
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
        try (Engine trainer = engine.equals(EngineKind.ALLREDUCE.configName())
                ? new AllReduceEngine(sc, settings, new AllReduceEngine.Options(0, RING_TIMEOUT_SECONDS, false),
                        new StopRequest(), null, null)
                : new DriverEngine(sc, settings)) {
            trainer.fitRounds(ModelState.of(graph), rdd.map(b -> (Shard) new CachedShard(b)),
                    settings.roundsPerEpoch(perWorker), 1, 0, LearningRateSchedule.constant(0.01, 1),
                    (report, state) -> reports.add(report));
        }
        rdd.unpersist();
        List<RoundReport> timed = reports.subList(warmupRounds, reports.size());
        double roundSeconds = Stats.median(timed.stream().mapToDouble(RoundReport::seconds).toArray());
        double averaging = Stats.median(timed.stream().mapToDouble(r -> r.seconds() - r.fitSeconds()).toArray());
        double rate = (double) threads * model.batch() * frequency / roundSeconds;
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("model", model.name());
        row.put("engine", engine);
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
            // at its fastest: its own allocator's best (tcmalloc where installed), as bench dense-block runs it
            PeerProcess.Outcome peer = PeerProcess.runPeer(command, 30, PeerProcess.fastestAllocator());
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
        m.put("cpu", Cpu.model());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("cpu_flags", Cpu.simdFlags());
        m.put("backend", backend.describe());
        m.put("device", BackendChoice.AUTO.verify());
        m.put("glibc_tunables", System.getenv().getOrDefault("GLIBC_TUNABLES", "(unset)"));
        m.put("gomp_spincount", System.getenv().getOrDefault("GOMP_SPINCOUNT", "(unset)")
                + " (sparkcnn; PyTorch at OpenMP's default, its fastest)");
        m.put("peer_preload", PeerProcess.fastestAllocator().getOrDefault("LD_PRELOAD", "(none)") + " (PyTorch's allocator)");
        m.put("nd4j_build", NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo().strip().replace('\n', ' '));
        m.put("java", System.getProperty("java.version"));
        m.put("threads", threads);
        m.put("warmup", warmup);
        m.put("iterations", iterations);
        return m;
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
