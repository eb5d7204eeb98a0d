package sparkcnn.jobs.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import sparkcnn.kernels.cost.CostReport;
import sparkcnn.kernels.cost.LayerCost;

/** The cost report as a console table and as a JSON-ready map. */
public final class CostTable {
    private CostTable() {
    }

    public static String text(CostReport report, int batch) {
        int nameWidth = Math.max(24, report.layers().stream().mapToInt(l -> l.name().length()).max().orElse(0) + 2);
        String row = "%-" + nameWidth + "s %-16s %-13s %13s %9s %13s %17s%n";
        var out = new StringBuilder();
        out.append(String.format("%s, input %s%n", report.network(), report.input()));
        out.append(String.format(row, "layer", "type", "output", "params", "state", "activations", "FLOPs"));
        for (LayerCost l : report.layers()) {
            out.append(String.format(row, l.name(), l.type(), l.output(), n(l.trainable()), n(l.state()),
                    n(l.activations()), n(l.flops())));
        }
        out.append(String.format(row, "total", "", "", n(report.trainable()), n(report.state()),
                n(report.activations()), n(report.flops())));
        out.append(String.format("%,d trainable parameters, %,d state values (batch-norm running statistics)%n",
                report.trainable(), report.state()));
        out.append(String.format("%.2f GFLOPs forward per image (a multiply-add counts 2)%n", report.flops() / 1e9));
        out.append(String.format("memory at batch %d, float32: inference %s, training %s "
                        + "(activations and their gradients, parameters x3)%n",
                batch, bytes(report.inferenceBytes(batch)), bytes(report.trainingBytes(batch))));
        return out.toString();
    }

    public static Map<String, Object> json(CostReport report, int batch) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("network", report.network());
        m.put("input", report.input().toString());
        m.put("batch", batch);
        List<Map<String, Object>> layers = report.layers().stream().map(l -> {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("name", l.name());
            r.put("type", l.type());
            r.put("output", l.output().toString());
            r.put("params", l.trainable());
            r.put("state", l.state());
            r.put("activations", l.activations());
            r.put("flops", l.flops());
            return r;
        }).toList();
        m.put("layers", layers);
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("params", report.trainable());
        totals.put("state", report.state());
        totals.put("activations", report.activations());
        totals.put("flops", report.flops());
        totals.put("inference_bytes", report.inferenceBytes(batch));
        totals.put("training_bytes", report.trainingBytes(batch));
        m.put("totals", totals);
        return m;
    }

    private static String n(long value) {
        return String.format("%,d", value);
    }

    static String bytes(long b) {
        return b >= 1L << 30 ? String.format("%.2f GiB", b / (double) (1L << 30)) : String.format("%.1f MiB", b / (double) (1L << 20));
    }
}
