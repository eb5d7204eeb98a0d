package sparkcnn.jobs.sweep;

import java.io.PrintStream;
import static sparkcnn.jobs.report.RunReport.escape;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import sparkcnn.jobs.sweep.TrialOutcome.Status;

/**
 * The trials of a sweep, best first, as {@code leaderboard.csv}, {@code leaderboard.html} and
 * {@code leaderboard.png} (the metric against epochs for every trial, the rungs marked): each
 * trial's status and rung, epochs used and best metric, and the epochs the whole search used
 * beside what it would have cost without early stopping.
 */
public final class Leaderboard {
    private static final BasicStroke RUNG_LINE = new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
            new float[] {6f, 4f}, 0f);

    private final List<String> keys;
    private final List<TrialOutcome> ranked;
    private final Objective objective;
    private final Rungs rungs;
    private final int fullEpochs;

    /**
     * @param rungs      successive halving's, or null without early stopping
     * @param fullEpochs what the trials would train without early stopping
     */
    public Leaderboard(List<String> keys, List<TrialOutcome> outcomes, Objective objective, Rungs rungs,
                       int fullEpochs) {
        this.keys = keys;
        this.objective = objective;
        this.rungs = rungs;
        this.fullEpochs = fullEpochs;
        // finished trials first, then those furthest up the rungs, each by their best metric; failures last
        this.ranked = new ArrayList<>(outcomes);
        this.ranked.sort(Comparator.comparingInt((TrialOutcome o) -> group(o.status()))
                .thenComparing(Comparator.comparingInt(TrialOutcome::rung).reversed())
                .thenComparing(o -> o.best(objective), objective.order())
                .thenComparing(TrialOutcome::trial));
    }

    private static int group(Status status) {
        return switch (status) {
            case FINISHED -> 0;
            case RUNNING, PAUSED, STOPPED -> 1;
            case DIVERGED -> 2;
            case FAILED -> 3;
            case INVALID -> 4;
        };
    }

    public List<TrialOutcome> ranked() {
        return ranked;
    }

    /** Epochs trained by all trials. */
    public int epochsUsed() {
        return ranked.stream().mapToInt(TrialOutcome::epochs).sum();
    }

    /** {@code epochs trained: 31 of the 128 that the trials would train without early stopping (24%)}. */
    public String epochsLine() {
        return String.format(Locale.ROOT, "epochs trained: %d of the %d that the trials would train without early "
                + "stopping (%.0f%%)", epochsUsed(), fullEpochs, 100.0 * epochsUsed() / Math.max(1, fullEpochs));
    }

    /** {@code trained to the end: trial-07, trial-02}: the finished trials, best first (or none). */
    public String finishedLine() {
        List<String> finished = ranked.stream().filter(o -> o.status() == Status.FINISHED).map(TrialOutcome::trial)
                .toList();
        return "trained to the end: " + (finished.isEmpty() ? "none" : String.join(", ", finished));
    }

    /** The ranking on the console, where its files are, the epochs trained and who trained to the end. */
    void print(PrintStream out, SweepLayout sweepDir) {
        out.printf("leaderboard (%s, %s):%n", sweepDir.uri(SweepLayout.LEADERBOARD_CSV),
                sweepDir.uri(SweepLayout.LEADERBOARD_HTML));
        int rank = 1;
        for (TrialOutcome o : ranked) {
            out.printf(Locale.ROOT, "  %2d. %s  %-17s %2d epochs  best %s %s  %s%n", rank++, o.trial(), o.describe(),
                    o.epochs(), objective.metric().text(), number(o.best(objective)), o.values());
        }
        out.println(epochsLine());
        out.println(finishedLine());
    }

    void write(SweepLayout sweepDir) {
        byte[] png = plot();
        sweepDir.writeLeaderboard(png, csv(), html(png));
    }

    String csv() {
        StringBuilder out = new StringBuilder("rank,trial,status,rung");
        keys.forEach(k -> out.append(',').append(k));
        out.append(',').append(objective.column())
                .append(",best_epoch,final_test_accuracy,final_test_loss,final_train_loss,epochs,seconds,run_dir\n");
        int rank = 1;
        for (TrialOutcome o : ranked) {
            out.append(rank++).append(',').append(o.trial()).append(',').append(o.status().text()).append(',')
                    .append(o.rung() < 0 ? "" : String.valueOf(o.rung()));
            keys.forEach(k -> out.append(',').append(csvField(o.values().getOrDefault(k, ""))));
            out.append(String.format(Locale.ROOT, ",%s,%d,%s,%s,%s,%d,%.1f,%s%n", number(o.best(objective)),
                    o.bestEpoch(objective), number(o.last(EpochScore::testAccuracy)), number(o.last(EpochScore::testLoss)),
                    number(o.last(EpochScore::trainLoss)), o.epochs(), o.seconds(), csvField(o.runDir())));
        }
        return out.toString();
    }

    String html(byte[] png) {
        String metric = objective.metric().text();
        StringBuilder out = new StringBuilder("""
                <!DOCTYPE html>
                <html><head><meta charset="utf-8"><title>sparkcnn sweep leaderboard</title>
                <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}
                td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}tr.best{background:#e6f4ea}
                tr.stopped{color:#999}</style></head><body>
                <h1>Sweep leaderboard</h1>
                """);
        out.append("<p>").append(ranked.size()).append(" trials, ranked by their best ").append(escape(metric))
                .append(" (").append(objective.maximize() ? "higher" : "lower").append(" is better)");
        if (rungs != null) {
            out.append("; successive halving: rungs at epochs ").append(rungs.epochs()).append(", the top 1/")
                    .append(rungs.eta()).append(" of each rung go on");
        }
        out.append(".<br>").append(escape(epochsLine())).append(".<br>").append(escape(finishedLine())).append(".</p>\n");
        out.append("<img alt=\"").append(escape(metric)).append(" per epoch, every trial\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(png)).append("\">\n");
        out.append("<table><tr><th>rank</th><th>trial</th><th>status</th>");
        keys.forEach(k -> out.append("<th>").append(escape(k)).append("</th>"));
        out.append("<th>best ").append(escape(metric)).append("</th><th>best epoch</th><th>final test accuracy</th>"
                + "<th>final train loss</th><th>epochs</th><th>seconds</th></tr>\n");
        int rank = 1;
        for (TrialOutcome o : ranked) {
            String css = o.status() != Status.FINISHED ? " class=\"stopped\"" : rank == 1 ? " class=\"best\"" : "";
            out.append("<tr").append(css).append("><td>").append(rank++).append("</td><td><a href=\"")
                    .append(escape(o.trial())).append("/report.html\">").append(escape(o.trial())).append("</a></td><td>")
                    .append(escape(o.describe())).append(o.message().isEmpty() ? "" : " (" + escape(o.message()) + ")")
                    .append("</td>");
            keys.forEach(k -> out.append("<td>").append(escape(o.values().getOrDefault(k, ""))).append("</td>"));
            out.append(String.format(Locale.ROOT, "<td>%s</td><td>%d</td><td>%s</td><td>%s</td><td>%d</td><td>%.0f</td></tr>%n",
                    number(o.best(objective)), o.bestEpoch(objective), number(o.last(EpochScore::testAccuracy)),
                    number(o.last(EpochScore::trainLoss)), o.epochs(), o.seconds()));
        }
        return out.append("</table></body></html>\n").toString();
    }

    /** The metric against epochs, a line per trial; the rungs as dotted vertical lines. */
    byte[] plot() {
        String metric = objective.metric().text();
        XYChart chart = new XYChartBuilder().width(900).height(520).title(metric + " per epoch, every trial")
                .xAxisTitle("epoch").yAxisTitle(metric).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setMarkerSize(5);
        chart.getStyler().setDecimalPattern("#0.###");
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (TrialOutcome o : ranked) {
            List<EpochScore> scores = o.scores().stream().filter(s -> Double.isFinite(objective.of(s))).toList();
            if (scores.isEmpty()) {
                continue;
            }
            double[] x = scores.stream().mapToDouble(EpochScore::epoch).toArray();
            double[] y = scores.stream().mapToDouble(objective::of).toArray();
            for (double v : y) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            chart.addSeries(o.trial(), x, y);
        }
        if (rungs != null && lo <= hi) {
            for (int epoch : rungs.epochs()) {
                XYSeries rung = chart.addSeries("rung at " + epoch, new double[] {epoch, epoch}, new double[] {lo, hi});
                rung.setLineColor(Color.LIGHT_GRAY);
                rung.setLineStyle(RUNG_LINE);
                rung.setMarker(SeriesMarkers.NONE);
                rung.setShowInLegend(false);
            }
        }
        if (chart.getSeriesMap().isEmpty()) {
            chart.addSeries("no epoch yet", new double[] {0}, new double[] {0});
        }
        try {
            return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String number(double value) {
        return Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%.4f", value);
    }

    private static String csvField(String text) {
        return text.contains(",") || text.contains("\"") ? "\"" + text.replace("\"", "\"\"") + "\"" : text;
    }
}
