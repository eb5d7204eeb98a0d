package sparkcnn.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * {@code bench scaling}: the scaling model ({@link ScalingModel}) fitted to the cluster
 * measurements in {@code scaling-measured.json}, checked against the measured 1-, 2- and 3-worker
 * DenseNet-121 runs, and projected to DenseNet-121 on ImageNet for 8 to 256 CPU and GPU workers at
 * averaging frequencies 1, 5 and 20: {@code scaling.md} and {@code scaling.png}.
 */
public final class ScalingReport {
    static final long IMAGENET = 1_281_167;
    static final int[] WORKERS = {8, 16, 32, 64, 128, 256};
    static final int[] FREQUENCIES = {1, 5, 20};
    /** A 10 Gb/s Ethernet link at the driver, in MB/s. */
    static final double TEN_GBE = 1250;
    /** DenseNet-121's classifier: 1,024 features to each class, a weight and a bias each, and their momentum. */
    static final int FLOATS_PER_CLASS = 2 * 1025;

    private ScalingReport() {
    }

    /** A worker kind of the projection: its DenseNet-121 training rate and where that figure comes from. */
    public record WorkerKind(String name, double imagesPerSecond, String source) {
    }

    public static void run(File measured, int batch, List<WorkerKind> kinds, File outDir, PrintStream out) {
        try {
            JsonNode m = new ObjectMapper().readTree(measured);
            List<ScalingModel.RoundCost> costs = new ArrayList<>();
            for (JsonNode r : m.get("rounds")) {
                costs.add(new ScalingModel.RoundCost(r.get("workers").asInt(), r.get("state_mb").asDouble(),
                        r.get("empty_job_seconds").asDouble(), r.get("broadcast_seconds").asDouble(),
                        r.get("reduce_seconds").asDouble()));
            }
            double stateMb = costs.get(0).stateMb();
            JsonNode one = m.get("training").get(0);
            ScalingModel loopback = ScalingModel.fit(costs).calibratedTo(one.get("averaging_seconds").asDouble(),
                    trainingStateMb(stateMb));
            ScalingModel network = loopback.onNetwork(TEN_GBE);
            var md = new StringBuilder();
            md.append(header(m, loopback, stateMb));
            md.append(check(m, loopback, stateMb));
            md.append(projection(network, batch, kinds, stateMb));
            md.append(conclusion(network, batch, kinds, stateMb));
            outDir.mkdirs();
            Files.writeString(new File(outDir, "scaling.md").toPath(), md.toString());
            BitmapEncoder.saveBitmap(plot(network, batch, kinds, stateMb), new File(outDir, "scaling").getPath(),
                    BitmapEncoder.BitmapFormat.PNG);
            out.print(md);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String header(JsonNode m, ScalingModel fit, double stateMb) {
        var md = new StringBuilder("# Scaling DenseNet-121 on ImageNet by parameter averaging through the driver\n\n");
        md.append("Measured on ").append(m.get("cluster").asText()).append(" (a ").append(m.get("machine_cores"))
                .append("-core machine) by `ScalingMeasurement` (jobs/src/test): `bench rounds` and DenseNet-121 training, ")
                .append("each submitted with SparkSubmit; fitted and projected by `bin/sparkcnn bench scaling` ")
                .append("(`ScalingModel` states the formulas).\n\n");
        md.append("## Measured: an averaging round of DenseNet-121's state\n\n");
        md.append(String.format(Locale.ROOT, "State: %.1f MB (parameters incl. batch-norm statistics, and Nesterov momentum). "
                + "Medians of 5 rounds.%n%n", stateMb));
        md.append("| workers | empty job s | broadcast s | tree-reduce + average s | round job s |\n"
                + "| ---: | ---: | ---: | ---: | ---: |\n");
        for (JsonNode r : m.get("rounds")) {
            md.append(String.format(Locale.ROOT, "| %d | %.3f | %.3f | %.3f | %.3f |%n", r.get("workers").asInt(),
                    r.get("empty_job_seconds").asDouble(), r.get("broadcast_seconds").asDouble(),
                    r.get("reduce_seconds").asDouble(), r.get("round_job_seconds").asDouble()));
        }
        md.append(String.format(Locale.ROOT, "%nFitted: launch %.3f + %.4f W s; broadcast %.2f + %.2f log2 W ms/MB; "
                        + "reduce %.2f ms/MB per partial sum on the path (at the driver: Java deserialisation and the add); "
                        + "the state into a worker's network and back out %.2f ms/MB (the 1-worker training run's "
                        + "averaging time beyond the bench's, so row 1 of the check below is calibration, rows 2 and 3 "
                        + "are the check).%n%n",
                fit.launch0(), fit.launchPerWorker(), 1000 * fit.broadcastPerMb(), 1000 * fit.broadcastPerMbLog2(),
                1000 * fit.reducePerMb(), 1000 * fit.workerStatePerMb()));
        return md.toString();
    }

    /** The model against the measured runs: their averaging seconds, and whole rounds from the 1-worker fit. */
    private static String check(JsonNode m, ScalingModel fit, double stateMb) {
        var md = new StringBuilder("## Check: the model against measured DenseNet-121 training on the same cluster\n\n");
        JsonNode training = m.get("training");
        int cores = m.get("machine_cores").asInt();
        double fitOne = training.get(0).get("fit_seconds").asDouble();
        md.append(String.format(Locale.ROOT, "DenseNet-121 for 100 classes (state %.1f MB), %d images per worker per round, "
                        + "frequency 1, one-core workers, ImageNet-shaped JPEGs decoded on the fly. Predicted fit: the "
                        + "1-worker fit (%.2f s) times max(1, W / %d cores); medians of the rounds after the first. "
                        + "Fitting slows with more workers on %d cores before they are oversubscribed (memory bandwidth, "
                        + "decode threads), which the fit column shows and the model, made for one machine per "
                        + "worker, leaves out.%n%n",
                trainingStateMb(stateMb), training.get(0).get("batch_per_worker").asInt(), fitOne, cores, cores));
        md.append("| workers | measured round s | measured fit s | measured averaging s | predicted averaging s | "
                + "averaging error | predicted round s | round error |\n"
                + "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (JsonNode t : training) {
            int w = t.get("workers").asInt();
            double averaging = fit.averagingSeconds(w, trainingStateMb(stateMb));
            double round = fitOne * Math.max(1.0, (double) w / cores) + averaging;
            double measured = t.get("round_seconds").asDouble();
            double measuredAveraging = t.get("averaging_seconds").asDouble();
            md.append(String.format(Locale.ROOT, "| %d | %.2f | %.2f | %.2f | %.2f | %+.0f%% | %.2f | %+.0f%% |%n", w,
                    measured, t.get("fit_seconds").asDouble(), measuredAveraging, averaging,
                    100 * (averaging - measuredAveraging) / measuredAveraging, round, 100 * (round - measured) / measured));
        }
        return md.append('\n').toString();
    }

    /** The training runs' state: DenseNet-121's with 100 classes instead of 1,000. */
    private static double trainingStateMb(double stateMb1000) {
        return stateMb1000 - 4.0 * FLOATS_PER_CLASS * 900 / (1 << 20);
    }

    private static String projection(ScalingModel model, int batch, List<WorkerKind> kinds, double stateMb) {
        var md = new StringBuilder("## Projection: DenseNet-121, one ImageNet epoch (1,281,167 images)\n\n");
        md.append(String.format(Locale.ROOT, "Batch %d per worker; the measured constants plus a 10 Gb/s link at the "
                + "driver (%.0f MB/s: each broadcast leaves it once, each final partial sum enters); "
                + "`aggregation-depth = auto`. Worker rates:%n%n", batch, TEN_GBE));
        kinds.forEach(k -> md.append(String.format(Locale.ROOT, "- %s: %.1f img/s (%s)%n", k.name(), k.imagesPerSecond(),
                k.source())));
        md.append("\nA CPU worker of a large server fits faster than the 2-thread one here, and lies between the two tables.\n\n")
                .append("![efficiency by workers, worker kind and averaging frequency](scaling.png)\n");
        for (WorkerKind kind : kinds) {
            md.append("\n### ").append(kind.name()).append(" workers\n\n")
                    .append("| workers | frequency | rounds | fit s/round | averaging s/round | epoch | averaging share | efficiency |\n")
                    .append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
            for (int w : WORKERS) {
                for (int f : FREQUENCIES) {
                    var e = model.epoch(IMAGENET, w, batch, f, kind.imagesPerSecond(), stateMb);
                    md.append(String.format(Locale.ROOT, "| %d | %d | %,d | %.2f | %.2f | %s | %.0f%% | %.0f%% |%n", w, f,
                            e.rounds(), e.fitSeconds(), e.averagingSeconds(), duration(e.seconds()),
                            100 * e.averagingShare(), 100 * e.efficiency()));
                }
            }
        }
        return md.append('\n').toString();
    }

    private static String conclusion(ScalingModel model, int batch, List<WorkerKind> kinds, double stateMb) {
        var md = new StringBuilder("## Where averaging through the driver stops scaling\n\n");
        for (WorkerKind kind : kinds) {
            for (int f : FREQUENCIES) {
                int w = 0;
                while (w < 4096 && model.epoch(IMAGENET, w + 1, batch, f, kind.imagesPerSecond(), stateMb)
                        .efficiency() >= 0.5) {
                    w++;
                }
                md.append(String.format(Locale.ROOT, "- %s workers, frequency %d: %s%n", kind.name(), f,
                        w == 0 ? "below 50% efficiency from the first worker: a round's averaging outlasts its fitting"
                                : w >= 4096 ? "above 50% efficiency beyond 4,096 workers"
                                : "above 50% efficiency up to " + w + " workers"));
            }
            md.append(String.format(Locale.ROOT, "- %s workers need a frequency of %s minibatches per round for 50%% "
                            + "efficiency at 8, 64 and 256 workers.%n", kind.name(),
                    String.join(", ", java.util.Arrays.stream(new int[] {8, 64, 256}).mapToObj(n -> String.valueOf(
                            (long) Math.ceil(model.averagingSeconds(n, stateMb) * kind.imagesPerSecond() / batch)))
                            .toList())));
        }
        md.append("""

                Every round moves the whole state through the driver: it serialises one broadcast and
                deserialises and adds the last partial sums, one after another, in one JVM. That costs
                seconds per round whatever the workers compute, and grows with the worker count (task
                launch, the torrent's depth, the tree's path). CPU workers fit DenseNet-121 so slowly
                that a round of a few minibatches hides it; a GPU worker fits a minibatch in tens of
                milliseconds, so averaging through the driver leaves GPUs idle at every frequency a
                training recipe would accept (a hundred local steps between averages is far from the
                synchronous SGD that the paper's schedule was tuned for).

                What replaces it: an all-reduce among the executors themselves, every step, with no driver
                on the data path: ring all-reduce (Horovod on Spark, NCCL between GPUs; each worker sends
                and receives 2 S (W-1)/W per step, independent of W) or DL4J's SharedTrainingMaster
                (threshold-encoded gradient sharing between executors over Aeron; issue 16 measures it
                here). Within averaging, halving S helps at once: not averaging the momentum
                (`train.average-updater = false`) or sending the state in 16 bits.
                """);
        return md.toString();
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }

    private static XYChart plot(ScalingModel model, int batch, List<WorkerKind> kinds, double stateMb) {
        XYChart chart = new XYChartBuilder().width(900).height(520)
                .title("DenseNet-121, one ImageNet epoch: averaging through the driver")
                .xAxisTitle("workers").yAxisTitle("efficiency (fit / round)").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setDecimalPattern("#0.##");
        double[] x = new double[WORKERS.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = WORKERS[i];
        }
        for (WorkerKind kind : kinds) {
            for (int f : FREQUENCIES) {
                double[] y = new double[WORKERS.length];
                for (int i = 0; i < y.length; i++) {
                    y[i] = model.epoch(IMAGENET, WORKERS[i], batch, f, kind.imagesPerSecond(), stateMb).efficiency();
                }
                chart.addSeries(kind.name() + ", f=" + f, x, y);
            }
        }
        return chart;
    }
}
