package sparkcnn.bench;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.OpProfiler;
import org.nd4j.linalg.profiler.ProfilerConfig;
import sparkcnn.kernels.backend.NativeBackend;
import sparkcnn.kernels.layers.KernelClock;

/**
 * {@code bench profile}: where a training step's time goes, per ND4J op (conv2d, batchnorm_bp...),
 * from ND4J's own op profiler over a few steps after warm-up, with this module's own kernels and the
 * time outside any op, so the rows add up to the step; then PyTorch's torch.profiler on the same
 * model. Writes profile-MODEL.md.
 */
public final class OpProfile {
    private OpProfile() {
    }

    /** ND4J's ops, this module's own kernels, and the rest (DL4J's Java between ops, workspaces, GC). */
    private static String accounting(double totalMillis, double nd4jMillis) {
        var md = new StringBuilder("| where | ms | share |\n| --- | ---: | ---: |\n");
        md.append(row("ND4J ops (above)", nd4jMillis, totalMillis));
        double own = 0;
        for (var kernel : KernelClock.millis().entrySet()) {
            md.append(row("own kernel: " + kernel.getKey(), kernel.getValue(), totalMillis));
            own += kernel.getValue();
        }
        md.append(row("outside any op (DL4J's Java, workspaces, GC)", totalMillis - nd4jMillis - own, totalMillis));
        md.append(row("whole profiled steps", totalMillis, totalMillis));
        return md.toString();
    }

    private static String row(String what, double millis, double total) {
        return String.format(java.util.Locale.ROOT, "| %s | %.0f | %.1f%% |%n", what, millis, 100 * millis / total);
    }

    /** PyTorch's torch.profiler table for the same model, batch and threads, where python3-torch is installed. */
    private static String peer(Model model, int warmup, int threads, int steps) {
        String python = PeerProcess.python();
        java.nio.file.Path script = PeerProcess.script();
        if (!new File(python).canExecute() || !Files.isRegularFile(script)) {
            return "";
        }
        try {
            File table = File.createTempFile("torch-profile", ".txt");
            var outcome = PeerProcess.runPeer(java.util.List.of(python, script.toString(), "--model", model.name(),
                    "--batch", String.valueOf(model.batch()), "--threads", String.valueOf(threads),
                    "--warmup", String.valueOf(warmup), "--iters", String.valueOf(steps), "--profile",
                    String.valueOf(steps), "--profile-out", table.getPath()), 30);
            if (outcome.status() != 0) {
                return "\nPyTorch peer failed: " + outcome.stderr().strip() + "\n";
            }
            var result = new com.fasterxml.jackson.databind.ObjectMapper().readTree(outcome.stdout().strip());
            String text = Files.readString(table.toPath());
            table.delete();
            return String.format(java.util.Locale.ROOT, """

                    ## PyTorch %s, same model, batch and threads, same environment (GLIBC_TUNABLES=%s, LD_PRELOAD=%s; OpenMP's default spinning, its fastest)

                    %.3f s per step unprofiled (median of %d), torch.profiler over %d more steps:

                    ```
                    %s
                    ```
                    """, result.get("torch").asText(), System.getenv().getOrDefault("GLIBC_TUNABLES", "(unset)"),
                    System.getenv().getOrDefault("LD_PRELOAD", "(unset)"),
                    result.get("train_seconds_per_batch").asDouble(), steps, steps, text.strip());
        } catch (IOException e) {
            return "\nPyTorch peer not run: " + e.getMessage() + "\n";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static double fitSeconds(ComputationGraph graph, DataSet batch, int steps) {
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            graph.fit(batch);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    public static String run(Model model, int warmup, int steps, int threads, File outDir, PrintStream out) {
        NativeBackend.init(threads);
        ComputationGraph graph = model.newGraph();
        DataSet batch = model.syntheticBatch();
        fitSeconds(graph, batch, warmup);
        double plainSeconds = fitSeconds(graph, batch, steps) / steps;
        OpProfiler.getInstance().reset();
        KernelClock.reset();
        OpExecutioner executioner = Nd4j.getExecutioner();
        executioner.setProfilingConfig(ProfilerConfig.builder().stackTrace(false).build());
        executioner.setProfilingMode(OpExecutioner.ProfilingMode.OPERATIONS);
        double profiledMillis;
        try {
            profiledMillis = fitSeconds(graph, batch, steps) * 1e3;
        } finally {
            executioner.setProfilingMode(OpExecutioner.ProfilingMode.DISABLED);
        }
        String perOp = OpProfiler.getInstance().getLongAggergator().asPercentageString();
        var total = java.util.regex.Pattern.compile("Total time spent: ([0-9]+) ms").matcher(perOp);
        double nd4jMillis = total.find() ? Double.parseDouble(total.group(1)) : 0;
        String md = String.format("""
                # Where a training step of %s goes (batch %d, %d threads)

                `bin/sparkcnn bench profile --only %s`: %.3f s per step unprofiled (mean of %d
                steps after %d warm-up steps); ND4J's op profiler over %d more steps, time per op summed
                over all calls (the profiler itself adds a little per call):

                ```
                %s
                ```

                The whole profiled time (%d steps):

                %s
                %s""", model.name(), model.batch(), threads, model.name(), plainSeconds, steps, warmup, steps,
                perOp.strip(), steps, accounting(profiledMillis, nd4jMillis), peer(model, warmup, threads, steps));
        BenchTables.writeMarkdown(new File(outDir, "profile-" + model.name() + ".md"), md);
        out.print(md);
        return md;
    }
}
