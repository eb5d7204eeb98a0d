package sparkcnn.bench;

import java.util.List;
import java.util.Map;

/** bench/results/train.md: the figures of {@code bench train} as markdown tables, PyTorch's beside ours. */
final class BenchTables {
    private BenchTables() {
    }

    @SuppressWarnings("unchecked")
    static String markdown(Map<String, Object> result) {
        var machine = (Map<String, Object>) result.get("machine");
        var md = new StringBuilder("# Training throughput, averaging cost and memory\n\n");
        md.append("Measured by `bin/sparkcnn bench train` (medians of ").append(machine.get("iterations"))
                .append(" timed steps after ").append(machine.get("warmup")).append(" warm-up steps, synthetic data")
                .append(machine.containsKey("runs") ? "; each figure the median of " + machine.get("runs")
                        + " runs, sparkcnn and PyTorch alternating within each, peak memory the first run's" : "")
                .append(").\n\n");
        md.append("| machine | |\n| --- | --- |\n");
        machine.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));

        md.append("\n## One worker process, ").append(machine.get("threads"))
                .append(" threads: sparkcnn (DL4J/ND4J) beside PyTorch\n\n")
                .append("Training = forward + backward + SGD-Nesterov update of one minibatch. Memory: peak Java heap, ")
                .append("peak off-heap (resident set minus the committed Java heap: ND4J's arrays, native code, JIT), peak resident set of the whole JVM; PyTorch: peak ")
                .append("resident set of its process.\n\n")
                .append("| model | batch | params | train img/s | PyTorch train img/s | ratio | inference img/s | "
                        + "PyTorch inference img/s | ratio | heap MiB | off-heap MiB | RSS MiB | PyTorch RSS MiB |\n")
                .append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (var row : (List<Map<String, Object>>) result.get("single_process")) {
            md.append(String.format("| %s | %s | %,d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    row.get("model"), row.get("batch"), ((Number) row.get("parameters")).longValue(),
                    f1(row.get("train_images_per_second")), f1(row.get("torch_train_images_per_second")),
                    f2(row.get("ratio_train_vs_torch")), f1(row.get("inference_images_per_second")),
                    f1(row.get("torch_inference_images_per_second")), f2(row.get("ratio_inference_vs_torch")),
                    mib(row.get("peak_heap_bytes")), mib(row.get("peak_offheap_bytes")),
                    mib(row.get("peak_rss_bytes")), mib(row.get("torch_peak_rss_bytes"))));
        }
        spark(md, (List<Map<String, Object>>) result.get("spark_local"));
        return md.toString();
    }

    private static void spark(StringBuilder md, List<Map<String, Object>> spark) {
        if (!spark.isEmpty()) {
            md.append("\n## Spark local mode, 2 workers x 1 thread, against one process with 2 threads\n\n")
                    .append("A round: each worker fits `averaging frequency` minibatches, then the state is ")
                    .append("averaged: by `allreduce` (`train.engine`'s default) in a ring between the workers, ")
                    .append("by `sparkcnn` through the driver (broadcast, tree-reduce the sums, divide). ")
                    .append("Averaging = round time minus the slowest worker's fitting time.\n\n")
                    .append("| model | engine | averaging frequency | round s | averaging s | averaging share | img/s | "
                            + "ratio vs 1 process x 2 threads | ratio vs PyTorch 1 x 2 threads |\n")
                    .append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
            for (var row : spark) {
                md.append(String.format("| %s | %s | %s | %.3f | %.3f | %.1f%% | %.1f | %.2f | %s |%n", row.get("model"),
                        row.get("engine"), row.get("averaging_frequency"), num(row.get("round_seconds")),
                        num(row.get("averaging_seconds")), 100 * num(row.get("averaging_share")),
                        num(row.get("train_images_per_second")), num(row.get("ratio_vs_one_process")),
                        f2(row.get("ratio_vs_torch"))));
            }
        }
    }

    /** Writes a results file, making its directory. */
    static void writeMarkdown(java.io.File file, String md) {
        try {
            file.getParentFile().mkdirs();
            java.nio.file.Files.writeString(file.toPath(), md);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static double num(Object value) {
        return ((Number) value).doubleValue();
    }

    private static String f1(Object value) {
        return value == null ? "-" : String.format("%.1f", num(value));
    }

    private static String f2(Object value) {
        return value == null ? "-" : String.format("%.2f", num(value));
    }

    private static String mib(Object value) {
        return value == null ? "-" : String.format("%.0f", num(value) / (1 << 20));
    }
}
