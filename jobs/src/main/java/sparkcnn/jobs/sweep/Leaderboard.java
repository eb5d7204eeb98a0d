package sparkcnn.jobs.sweep;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import sparkcnn.driver.io.RunStore;

/** The trials of a sweep, best first, as {@code leaderboard.csv} and {@code leaderboard.html}. */
public final class Leaderboard {
    public static final String CSV = "leaderboard.csv";
    public static final String HTML = "leaderboard.html";

    private final List<String> keys;
    private final List<TrialOutcome> ranked;

    public Leaderboard(List<String> keys, List<TrialOutcome> outcomes, SweepSpec.RankBy rankBy) {
        this.keys = keys;
        Comparator<TrialOutcome> byMetric = rankBy == SweepSpec.RankBy.FINAL_TRAIN_LOSS
                ? Comparator.comparingDouble(TrialOutcome::finalTrainLoss)
                : Comparator.comparingDouble(TrialOutcome::bestTestAccuracy).reversed();
        // finished trials first, ranked by the metric; diverged and failed ones after them
        this.ranked = new ArrayList<>(outcomes);
        this.ranked.sort(Comparator.comparing((TrialOutcome o) -> !o.status().equals("done"))
                .thenComparing(byMetric).thenComparing(TrialOutcome::trial));
    }

    public List<TrialOutcome> ranked() {
        return ranked;
    }

    public void write(RunStore store) {
        store.writeText(CSV, csv());
        store.writeText(HTML, html());
    }

    String csv() {
        StringBuilder out = new StringBuilder("rank,trial,status");
        keys.forEach(k -> out.append(',').append(k));
        out.append(",best_test_accuracy,best_epoch,final_test_accuracy,final_train_loss,epochs,seconds,run_dir\n");
        int rank = 1;
        for (TrialOutcome o : ranked) {
            out.append(rank++).append(',').append(o.trial()).append(',').append(o.status());
            keys.forEach(k -> out.append(',').append(csvField(o.values().getOrDefault(k, ""))));
            out.append(String.format(Locale.ROOT, ",%s,%d,%s,%s,%d,%.1f,%s%n", number(o.bestTestAccuracy()), o.bestEpoch(),
                    number(o.finalTestAccuracy()), number(o.finalTrainLoss()), o.epochs(), o.seconds(),
                    csvField(o.runDir())));
        }
        return out.toString();
    }

    String html() {
        StringBuilder out = new StringBuilder("""
                <!DOCTYPE html>
                <html><head><meta charset="utf-8"><title>sparkcnn sweep leaderboard</title>
                <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}
                td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}tr.best{background:#e6f4ea}
                tr.stopped{color:#999}</style></head><body>
                <h1>Sweep leaderboard</h1>
                <table><tr><th>rank</th><th>trial</th><th>status</th>""");
        keys.forEach(k -> out.append("<th>").append(escape(k)).append("</th>"));
        out.append("<th>best test accuracy</th><th>best epoch</th><th>final test accuracy</th>"
                + "<th>final train loss</th><th>epochs</th><th>seconds</th></tr>\n");
        int rank = 1;
        for (TrialOutcome o : ranked) {
            String css = !o.status().equals("done") ? " class=\"stopped\"" : rank == 1 ? " class=\"best\"" : "";
            out.append("<tr").append(css).append("><td>").append(rank++).append("</td><td><a href=\"")
                    .append(escape(o.trial())).append("/report.html\">").append(escape(o.trial())).append("</a></td><td>")
                    .append(escape(o.status())).append(o.message().isEmpty() ? "" : " (" + escape(o.message()) + ")")
                    .append("</td>");
            keys.forEach(k -> out.append("<td>").append(escape(o.values().getOrDefault(k, ""))).append("</td>"));
            out.append(String.format(Locale.ROOT, "<td>%s</td><td>%d</td><td>%s</td><td>%s</td><td>%d</td><td>%.0f</td></tr>%n",
                    number(o.bestTestAccuracy()), o.bestEpoch(), number(o.finalTestAccuracy()),
                    number(o.finalTrainLoss()), o.epochs(), o.seconds()));
        }
        return out.append("</table></body></html>\n").toString();
    }

    private static String number(double value) {
        return Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%.4f", value);
    }

    private static String csvField(String text) {
        return text.contains(",") || text.contains("\"") ? "\"" + text.replace("\"", "\"\"") + "\"" : text;
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
