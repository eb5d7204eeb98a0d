package sparkcnn.bench;

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
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import sparkcnn.driver.run.RunLayout;
import sparkcnn.driver.train.EpochResult;
import sparkcnn.driver.train.MetricsLog;
import sparkcnn.jobs.report.Stats;

/**
 * {@code bench engines}: the ring all-reduce and sparkcnn's averaging through the driver beside DL4J
 * Spark's ParameterAveragingTrainingMaster ({@code train.engine}) on the same jobs, one after the
 * other on this machine, each in a JVM of
 * its own: the main job (pattern net, Fashion-MNIST, 2 workers, averaging every 5) and DenseNet-BC-40
 * on a Fashion-MNIST subset. Images per second, seconds per round, test accuracy after the same
 * epochs, peak memory of the JVM (driver and local-mode workers together).
 */
public final class EnginesBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Where the generated table ends and the notes kept from the file's earlier version begin. */
    private static final String NOTES = "\n## ";

    /** A job of the comparison: its config and the keys that size it. */
    record Job(String name, String config, List<String> sets) {
    }

    private final Path work;
    private final PrintStream out;

    public EnginesBench(Path work, PrintStream out) {
        this.work = work;
        this.out = out;
    }

    public Map<String, Object> run(List<String> engines, int epochs, int heapMb, File outDir) {
        List<Job> jobs = List.of(
                new Job("pattern net, Fashion-MNIST (the main job)", "conf/fashion-mnist-cnn.conf", List.of()),
                new Job("DenseNet-BC-40, Fashion-MNIST 3,000 / 1,000", "conf/fashion-mnist-densenet-bc.conf",
                        List.of("data.train.limit=3000", "data.test.limit=1000")));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Job job : jobs) {
            for (String engine : engines) {
                Path run = work.resolve(job.config().replaceAll("\\W", "_") + "-" + engine);
                List<String> args = new ArrayList<>(List.of("train", "--config", job.config(), "--master", "local[2]",
                        "--overwrite", "--set", "run.dir=" + run, "--set", "train.engine=" + engine,
                        "--set", "train.epochs=" + epochs));
                job.sets().forEach(set -> args.addAll(List.of("--set", set)));
                Map<String, Object> child = ChildJob.run(job.name() + ", " + engine, heapMb, args, out);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("job", job.name());
                row.put("engine", engine);
                row.putAll(child);
                if (((Number) child.get("exit")).intValue() == 0) {
                    row.putAll(metrics(run));
                }
                rows.add(row);
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("epochs", epochs);
        result.put("master", "local[2]");
        result.put("heap_mb", heapMb);
        result.put("cores", Runtime.getRuntime().availableProcessors());
        result.put("glibc_tunables", System.getenv().getOrDefault("GLIBC_TUNABLES", "(unset)"));
        result.put("runs", rows);
        write(result, outDir);
        return result;
    }

    /** From a run's metrics: training img/s, round seconds and the averaging share, final accuracy. */
    static Map<String, Object> metrics(Path runDir) {
        MetricsLog log = MetricsLog.read(RunLayout.of(runDir.toString(), new Configuration()));
        List<EpochResult> epochs = log.epochs();
        long examples = epochs.stream().mapToLong(EpochResult::examplesSeen).sum();
        double trainSeconds = epochs.stream().mapToDouble(EpochResult::trainSeconds).sum();
        double[] rounds = log.roundSeconds();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("train_images_per_second", examples / trainSeconds);
        m.put("rounds", rounds.length);
        m.put("median_round_seconds", Stats.median(rounds));
        double fit = Stats.median(log.fitSeconds());
        m.put("averaging_share", fit > 0 ? 1 - fit / Stats.median(rounds) : Double.NaN);
        m.put("test_accuracy", epochs.isEmpty() ? Double.NaN : epochs.get(epochs.size() - 1).test().accuracy());
        return m;
    }

    /** The sections below the table in the file's current version (measurements of earlier sessions). */
    private static String notes(File md) throws IOException {
        if (!md.exists()) {
            return "";
        }
        String text = Files.readString(md.toPath());
        int at = text.indexOf(NOTES);
        return at < 0 ? "" : text.substring(at);
    }

    private void write(Map<String, Object> result, File outDir) {
        try {
            outDir.mkdirs();
            JSON.enable(SerializationFeature.INDENT_OUTPUT).writeValue(new File(outDir, "engines.json"), result);
            var md = new StringBuilder("# Training engines: the ring, the driver's averaging and DL4J Spark's\n\n");
            md.append(String.format(Locale.ROOT, "`bin/sparkcnn bench engines`: each job trained %s epochs by each engine in "
                            + "Spark local[2] (2 workers), one JVM of %s MiB heap per run, one after the other on a "
                            + "%s-core machine (GLIBC_TUNABLES=%s). DL4J's engine is its ParameterAveragingTrainingMaster "
                            + "(same workers, batch per worker, averaging frequency and aggregation depth; updater "
                            + "state averaged), fed the same minibatches; it fits an epoch in one call, so its round "
                            + "is the epoch and it does not report the workers' fitting time.%n%n", result.get("epochs"),
                    result.get("heap_mb"), result.get("cores"), result.get("glibc_tunables")));
            md.append("| job | engine | train img/s | rounds | s/round | averaging share | test accuracy | "
                    + "peak heap MiB | peak RSS MiB | wall s |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
            @SuppressWarnings("unchecked")
            var runs = (List<Map<String, Object>>) result.get("runs");
            for (var r : runs) {
                if (((Number) r.get("exit")).intValue() != 0) {
                    md.append(String.format(Locale.ROOT, "| %s | %s | failed: %s | | | | | | | |%n", r.get("job"),
                            r.get("engine"), r.get("error")));
                    continue;
                }
                double share = ((Number) r.get("averaging_share")).doubleValue();
                md.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %s | %.2f | %s | %.4f | %s | %s | %.0f |%n",
                        r.get("job"), r.get("engine"), r.get("train_images_per_second"), r.get("rounds"),
                        r.get("median_round_seconds"), Double.isNaN(share) ? "-" : String.format(Locale.ROOT, "%.0f%%",
                                100 * share), r.get("test_accuracy"), r.get("peak_heap_mib"), r.get("peak_rss_mib"),
                        r.get("seconds")));
            }
            out.print(md);
            Files.writeString(new File(outDir, "engines.md").toPath(), md + notes(new File(outDir, "engines.md")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
