package sparkcnn.bench;

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
 * {@code bench scaling}: both averaging models ({@link DriverAveragingModel}, {@link RingAveragingModel})
 * fitted to the cluster measurements in {@code scaling-measured.json}, checked against the measured
 * DenseNet-121 runs, and projected to DenseNet-121 on ImageNet for 8 to 256 CPU and GPU workers at
 * averaging frequencies 1, 5 and 20: {@code scaling.md} and {@code scaling.png}.
 */
public final class ScalingReport {
    static final long IMAGENET = 1_281_167;
    static final int[] WORKERS = {8, 16, 32, 64, 128, 256};
    static final int[] FREQUENCIES = {1, 5, 20};
    /** A 10 Gb/s Ethernet link, in MB/s: at the driver, and at each worker for the ring. */
    static final double TEN_GBE = 1250;
    /** One ring step's latency on a data-centre network (a TCP message between two hosts), assumed. */
    static final double HOP_SECONDS = 50e-6;

    private ScalingReport() {
    }

    /** A worker kind of the projection: its DenseNet-121 training rate and where that figure comes from. */
    public record WorkerKind(String name, double imagesPerSecond, String source) {
    }

    /** The epochs of the projected run (`conf/imagenet-densenet121.conf`): the ring forms once for them all. */
    static final int RUN_EPOCHS = 90;

    /** The engines' models on the projection's network: the driver's, the ring kept for the run, with overlap. */
    record Engines(AveragingModel driver, AveragingModel ring, AveragingModel overlap) {
    }

    public static void run(File measured, int batch, List<WorkerKind> kinds, File outDir, PrintStream out) {
        try {
            var m = ScalingMeasured.of(new ObjectMapper().readTree(measured));
            var ring = m.ring().withHop(HOP_SECONDS).onNetwork(TEN_GBE);
            var engines = new Engines(m.driver().onNetwork(TEN_GBE), new RingRunModel(ring, RUN_EPOCHS, false),
                    new RingRunModel(ring, RUN_EPOCHS, true));
            var md = new StringBuilder(header(m));
            md.append(m.rounds()).append(m.check());
            md.append(projection(engines, batch, kinds, m.stateMb()));
            md.append(targets(engines, batch, kinds, m.stateMb()));
            outDir.mkdirs();
            Files.writeString(new File(outDir, "scaling.md").toPath(), md.toString());
            BitmapEncoder.saveBitmap(List.of(plot("through the driver (driver)", engines.driver(), batch, kinds,
                            m.stateMb()), plot("ring all-reduce (allreduce)", engines.ring(), batch, kinds, m.stateMb()),
                    plot("ring, overlap = true", engines.overlap(), batch, kinds, m.stateMb())),
                    1, 3, new File(outDir, "scaling").getPath(), BitmapEncoder.BitmapFormat.PNG);
            out.print(md);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String header(ScalingMeasured m) {
        return "# Scaling DenseNet-121 on ImageNet: averaging through the driver, and in a ring between the workers\n\n"
                + "Measured on " + m.json().get("cluster").asText() + " (a " + m.json().get("machine_cores")
                + "-core machine) by `ScalingMeasurement` (jobs/src/test): `bench rounds --engine driver|allreduce` "
                + "(then named `sparkcnn|allreduce`) and DenseNet-121 training under each engine, each submitted "
                + "with SparkSubmit; fitted and projected by `bin/sparkcnn bench scaling` (`DriverAveragingModel`, "
                + "`RingAveragingModel` and `RingRunModel` state the formulas). The ring is kept for the run ("
                + RUN_EPOCHS + " epochs: its start spread over them all, as `RingStartMeasurement` measured), with "
                + "and without `train.allreduce.overlap`.\n\n";
    }

    private static String projection(Engines engines, int batch, List<WorkerKind> kinds, double stateMb) {
        var md = new StringBuilder("## Projection: DenseNet-121, one ImageNet epoch (1,281,167 images)\n\n");
        md.append(String.format(Locale.ROOT, "Batch %d per worker; the measured constants plus 10 Gb/s links "
                + "(%.0f MB/s): at the driver, which every broadcast leaves and every final partial sum enters "
                + "(`aggregation-depth = auto`), and at every worker, through which the ring streams %s; a ring "
                + "step's latency of %.0f us (assumed: one TCP message between two hosts of a data centre); the "
                + "ring's start spread over the run's " + RUN_EPOCHS + " epochs, its state handed to the driver at "
                + "each epoch's end. Worker rates:%n%n", batch, TEN_GBE,
                "2 (W-1)/W of the state", HOP_SECONDS * 1e6));
        kinds.forEach(k -> md.append(String.format(Locale.ROOT, "- %s: %.1f img/s (%s)%n", k.name(),
                k.imagesPerSecond(), k.source())));
        md.append("\nA CPU worker of a large server fits faster than the 2-thread one here, and lies between the two "
                + "tables.\n\n![efficiency by workers, worker kind and averaging frequency, per engine](scaling.png)\n");
        for (WorkerKind kind : kinds) {
            md.append("\n### ").append(kind.name()).append(" workers\n\n")
                    .append("| workers | frequency | rounds | fit s/round | driver: averaging s | driver: epoch | "
                            + "driver: efficiency | ring: averaging s | ring: epoch | ring: efficiency | "
                            + "overlap: averaging s | overlap: epoch | overlap: efficiency |\n")
                    .append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
                            + "| ---: |\n");
            for (int w : WORKERS) {
                for (int f : FREQUENCIES) {
                    var d = engines.driver().epoch(IMAGENET, w, batch, f, kind.imagesPerSecond(), stateMb);
                    var r = engines.ring().epoch(IMAGENET, w, batch, f, kind.imagesPerSecond(), stateMb);
                    var o = engines.overlap().epoch(IMAGENET, w, batch, f, kind.imagesPerSecond(), stateMb);
                    md.append(String.format(Locale.ROOT, "| %d | %d | %,d | %.2f | %.3f | %s | %.0f%% | %.3f | %s | "
                                    + "%.0f%% | %.3f | %s | %.0f%% |%n", w, f, d.rounds(), d.fitSeconds(),
                            d.averagingSeconds(), duration(d.seconds()), 100 * d.efficiency(), r.averagingSeconds(),
                            duration(r.seconds()), 100 * r.efficiency(), o.averagingSeconds(), duration(o.seconds()),
                            100 * o.efficiency()));
                }
            }
        }
        return md.append('\n').toString();
    }

    /** The issue's efficiency targets for the ring, met or not, and where each engine falls below 50%. */
    private static String targets(Engines engines, int batch, List<WorkerKind> kinds, double stateMb) {
        var md = new StringBuilder("## Targets and limits\n\n| workers | frequency | target | driver | ring | "
                + "ring, overlap | met |\n| --- | ---: | ---: | ---: | ---: | ---: | --- |\n");
        WorkerKind gpu = kinds.stream().filter(k -> k.name().equals("GPU")).findFirst().orElse(kinds.get(0));
        WorkerKind cpu = kinds.get(0);
        for (Object[] t : new Object[][] {{gpu, 64, 20, 0.85}, {gpu, 256, 20, 0.80}, {cpu, 256, 5, 0.95}}) {
            WorkerKind k = (WorkerKind) t[0];
            int w = (int) t[1];
            int f = (int) t[2];
            double target = (double) t[3];
            double d = engines.driver().epoch(IMAGENET, w, batch, f, k.imagesPerSecond(), stateMb).efficiency();
            double r = engines.ring().epoch(IMAGENET, w, batch, f, k.imagesPerSecond(), stateMb).efficiency();
            double o = engines.overlap().epoch(IMAGENET, w, batch, f, k.imagesPerSecond(), stateMb).efficiency();
            md.append(String.format(Locale.ROOT, "| %d %s | %d | >= %.0f%% | %.0f%% | %.0f%% | %.0f%% | %s |%n", w,
                    k.name(), f, 100 * target, 100 * d, 100 * r, 100 * o,
                    r >= target ? "yes" : o >= target ? "with overlap" : "no"));
        }
        md.append('\n');
        for (WorkerKind kind : kinds) {
            for (int f : FREQUENCIES) {
                md.append(String.format(Locale.ROOT, "- %s workers, frequency %d: above 50%% efficiency %s through the "
                                + "driver, %s in the ring, %s with overlap%n", kind.name(), f,
                        limit(engines.driver(), batch, f, kind, stateMb), limit(engines.ring(), batch, f, kind, stateMb),
                        limit(engines.overlap(), batch, f, kind, stateMb)));
            }
        }
        return md.toString();
    }

    private static String limit(AveragingModel model, int batch, int frequency, WorkerKind kind, double stateMb) {
        int w = 0;
        while (w < 4096 && model.epoch(IMAGENET, w + 1, batch, frequency, kind.imagesPerSecond(), stateMb)
                .efficiency() >= 0.5) {
            w++;
        }
        return w == 0 ? "from no worker count" : w >= 4096 ? "beyond 4,096 workers" : "up to " + w + " workers";
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }

    private static XYChart plot(String title, AveragingModel model, int batch, List<WorkerKind> kinds,
                                double stateMb) {
        XYChart chart = new XYChartBuilder().width(720).height(480).title("DenseNet-121, ImageNet: " + title)
                .xAxisTitle("workers").yAxisTitle("efficiency (fit / round)").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSW);
        chart.getStyler().setDecimalPattern("#0.##");
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        List<Double> x = new ArrayList<>();
        for (int w : WORKERS) {
            x.add((double) w);
        }
        for (WorkerKind kind : kinds) {
            for (int f : FREQUENCIES) {
                List<Double> y = new ArrayList<>();
                for (int w : WORKERS) {
                    y.add(model.epoch(IMAGENET, w, batch, f, kind.imagesPerSecond(), stateMb).efficiency());
                }
                chart.addSeries(kind.name() + ", f=" + f, x, y);
            }
        }
        return chart;
    }
}
