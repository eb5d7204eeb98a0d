package sparkcnn.jobs.report;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import sparkcnn.driver.train.EpochResult;
import sparkcnn.driver.run.RunLayout;
import sparkcnn.kernels.arch.Architecture;
import sparkcnn.kernels.cost.CostReport;

/**
 * {@code curves.png} (loss and accuracy per epoch) and {@code report.html} (config, cost report,
 * curves, confusion matrix, timings), rewritten after every epoch so a running job can be watched.
 */
public final class RunReport {

    private final RunLayout run;
    private final String config;
    private final CostReport cost;

    public RunReport(RunLayout run, String config, Architecture architecture) {
        this.run = run;
        this.config = config;
        this.cost = CostReport.of(architecture);
    }

    public void write(List<EpochResult> epochs, List<String> classes) {
        byte[] png = curves(epochs);
        run.writeCurves(png);
        run.writeReport(html(epochs, classes, png));
    }

    static byte[] curves(List<EpochResult> epochs) {
        double[] x = epochs.stream().mapToDouble(EpochResult::epoch).toArray();
        XYChart loss = chart("Loss", "cross-entropy");
        loss.addSeries("train loss", x, epochs.stream().mapToDouble(EpochResult::trainLoss).toArray());
        loss.addSeries("test loss", x, epochs.stream().mapToDouble(e -> e.test().meanLoss()).toArray());
        XYChart accuracy = chart("Test accuracy", "fraction correct");
        accuracy.addSeries("top-1", x, epochs.stream().mapToDouble(e -> e.test().accuracy()).toArray());
        accuracy.addSeries("top-5", x, epochs.stream().mapToDouble(e -> e.test().top5Accuracy()).toArray());
        BufferedImage left = BitmapEncoder.getBufferedImage(loss);
        BufferedImage right = BitmapEncoder.getBufferedImage(accuracy);
        var both = new BufferedImage(left.getWidth() + right.getWidth(), left.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = both.createGraphics();
        g.drawImage(left, 0, 0, null);
        g.drawImage(right, left.getWidth(), 0, null);
        g.dispose();
        var bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(both, "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart chart = new XYChartBuilder().width(640).height(420).title(title).xAxisTitle("epoch").yAxisTitle(yTitle).build();
        chart.getStyler().setMarkerSize(6);
        chart.getStyler().setDecimalPattern("#0.###");
        return chart;
    }

    private String html(List<EpochResult> epochs, List<String> classes, byte[] png) {
        var h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>sparkcnn run</title><style>")
                .append("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}")
                .append("td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}pre{background:#f6f6f6;padding:1em}")
                .append("</style></head><body>\n<h1>sparkcnn run: ").append(escape(cost.network())).append("</h1>\n");
        if (!epochs.isEmpty()) {
            EpochResult last = epochs.get(epochs.size() - 1);
            h.append(String.format("<p>After epoch %d: test accuracy <b>%.4f</b> (top-5 %.4f), test loss %.4f.</p>%n",
                    last.epoch(), last.test().accuracy(), last.test().top5Accuracy(), last.test().meanLoss()));
        }
        h.append("<h2>Curves</h2>\n<img alt=\"loss and accuracy per epoch\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(png)).append("\">\n");
        h.append("<h2>Epochs</h2>\n<table><tr><th>epoch</th><th>train loss</th><th>test loss</th><th>test accuracy</th>")
                .append("<th>top-5</th><th>seconds</th><th>examples</th></tr>\n");
        for (EpochResult e : epochs) {
            h.append(String.format("<tr><td>%d</td><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%.1f</td><td>%d</td></tr>%n",
                    e.epoch(), e.trainLoss(), e.test().meanLoss(), e.test().accuracy(), e.test().top5Accuracy(),
                    e.seconds(), e.examples()));
        }
        h.append("</table>\n");
        if (!epochs.isEmpty()) {
            confusion(h, epochs.get(epochs.size() - 1), classes);
        }
        h.append("<h2>Architecture</h2>\n<pre>").append(escape(CostTable.text(cost, 64))).append("</pre>\n");
        h.append("<h2>Configuration</h2>\n<pre>").append(escape(config)).append("</pre>\n</body></html>\n");
        return h.toString();
    }

    /** The last epoch's confusion matrix as a table, or where it is when it is too large for one. */
    private static void confusion(StringBuilder h, EpochResult last, List<String> classes) {
        long[][] confusion = last.test().confusion();
        if (confusion.length > 32) {
            h.append(String.format(Locale.ROOT, "<p>The confusion matrix of epoch %d is in confusion/epoch-%04d.json.</p>%n",
                    last.epoch(), last.epoch()));
            return;
        }
        h.append("<h2>Confusion matrix (rows: true class, columns: predicted)</h2>\n<table><tr><th></th>");
        for (int c = 0; c < confusion.length; c++) {
            h.append("<th>").append(escape(name(classes, c))).append("</th>");
        }
        h.append("</tr>\n");
        for (int i = 0; i < confusion.length; i++) {
            h.append("<tr><th>").append(escape(name(classes, i))).append("</th>");
            for (long n : confusion[i]) {
                h.append("<td>").append(n).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    private static String name(List<String> classes, int c) {
        return c < classes.size() ? classes.get(c) : String.valueOf(c);
    }

    /** Text for HTML, in an element or an attribute's quotes. */
    public static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
