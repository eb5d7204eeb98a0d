package sparkcnn.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import sparkcnn.jobs.report.Stats;

/** {@code bench dense-block}'s results as markdown: medians per side, then the ratios the issue asks for. */
final class DenseBlockTables {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DenseBlockTables() {
    }

    @SuppressWarnings("unchecked")
    static String markdown(Map<String, Object> result) {
        StringBuilder md = new StringBuilder("# Dense blocks as one layer, beside PyTorch\n\n");
        md.append("Measured by `bin/sparkcnn bench dense-block`; machine: ").append(result.get("machine")).append("\n\n");
        md.append("Medians over the repeats (each a process of its own, sides alternating, timed after ")
                .append(result.getOrDefault("warmup_steps", 1)).append(" untimed steps); training = forward + backward + "
                + "SGD-Nesterov step; peak RSS = the process's VmHWM.\n\n");
        md.append("| model | batch | side | runs ok | train img/s | inference img/s | peak RSS MiB |\n");
        md.append("| --- | ---: | --- | ---: | ---: | ---: | ---: |\n");
        List<String> ratios = new ArrayList<>();
        for (Map<String, Object> row : (List<Map<String, Object>>) result.get("cases")) {
            Map<String, List<JsonNode>> sides = JSON.convertValue(row.get("sides"),
                    JSON.getTypeFactory().constructMapType(Map.class, JSON.getTypeFactory().constructType(String.class),
                            JSON.getTypeFactory().constructCollectionType(List.class, JsonNode.class)));
            Map<String, double[]> medians = new java.util.LinkedHashMap<>();
            sides.forEach((side, runs) -> {
                double[] m = {median(runs, "train_images_per_second"), median(runs, "inference_images_per_second"),
                        median(runs, "peak_rss_hwm_bytes", "peak_rss_bytes") / (1 << 20)};
                medians.put(side, m);
                long ok = runs.stream().filter(r -> !r.has("error")).count();
                String error = runs.stream().filter(r -> r.has("error")).map(r -> r.get("error").asText()).findFirst().orElse("");
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %d/%d%s | %s | %s | %s |%n", row.get("model"),
                        row.get("batch"), side, ok, runs.size(), error.isEmpty() ? "" : " (" + error.replace('|', '/') + ")",
                        fmt(m[0]), fmt(m[1]), fmt(m[2])));
            });
            ratios.add(ratioRow(row, medians));
        }
        md.append("\n| model | batch | train vs PyTorch | train vs PyTorch memory_efficient | inference vs PyTorch | "
                + "train vs per-layer | RSS vs PyTorch | RSS vs PyTorch memory_efficient | RSS vs per-layer | "
                + "recompute=all: train vs PyTorch memory_efficient | recompute=all: RSS vs PyTorch memory_efficient |\n");
        md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        ratios.forEach(md::append);
        return md.toString();
    }

    private static String ratioRow(Map<String, Object> row, Map<String, double[]> m) {
        double[] ours = m.get("sparkcnn blocks"), perLayer = m.get("sparkcnn per-layer");
        double[] torch = m.get("PyTorch"), efficient = m.get("PyTorch memory_efficient");
        double[] lean = m.getOrDefault("sparkcnn blocks recompute=all", new double[] {Double.NaN, Double.NaN, Double.NaN});
        return String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", row.get("model"),
                row.get("batch"), ratio(ours[0], torch[0]), ratio(ours[0], efficient[0]), ratio(ours[1], torch[1]),
                ratio(ours[0], perLayer[0]), ratio(ours[2], torch[2]), ratio(ours[2], efficient[2]),
                ratio(ours[2], perLayer[2]), ratio(lean[0], efficient[0]), ratio(lean[2], efficient[2]));
    }

    private static double median(List<JsonNode> runs, String... fields) {
        double[] values = runs.stream().filter(r -> !r.has("error"))
                .mapToDouble(r -> {
                    for (String f : fields) {
                        if (r.has(f) && r.get(f).asDouble() > 0) {
                            return r.get(f).asDouble();
                        }
                    }
                    return Double.NaN;
                }).filter(v -> !Double.isNaN(v)).toArray();
        return values.length == 0 ? Double.NaN : Stats.median(values);
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) ? "-" : String.format(Locale.ROOT, "%.2f", a / b);
    }
}
