package sparkcnn.jobs.bench;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.OpProfiler;
import org.nd4j.linalg.profiler.ProfilerConfig;
import sparkcnn.kernels.backend.NativeBackend;

/**
 * {@code bench profile}: where a training step's time goes, per ND4J op (conv2d, batchnorm_bp...),
 * from ND4J's own op profiler over a few steps after warm-up. Writes profile-MODEL.md.
 */
public final class OpProfile {
    private OpProfile() {
    }

    public static String run(TrainBench.Model model, int warmup, int steps, int threads, File outDir, PrintStream out) {
        NativeBackend.init(threads);
        ComputationGraph graph = model.newGraph();
        DataSet batch = model.syntheticBatch();
        for (int i = 0; i < warmup; i++) {
            graph.fit(batch);
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            graph.fit(batch);
        }
        double plainSeconds = (System.nanoTime() - t0) / 1e9 / steps;
        OpProfiler.getInstance().reset();
        OpExecutioner executioner = Nd4j.getExecutioner();
        executioner.setProfilingConfig(ProfilerConfig.builder().stackTrace(false).build());
        executioner.setProfilingMode(OpExecutioner.ProfilingMode.OPERATIONS);
        try {
            for (int i = 0; i < steps; i++) {
                graph.fit(batch);
            }
        } finally {
            executioner.setProfilingMode(OpExecutioner.ProfilingMode.DISABLED);
        }
        String perOp = OpProfiler.getInstance().getLongAggergator().asPercentageString();
        String md = String.format("""
                # Where a training step of %s goes (batch %d, %d threads)

                `bin/sparkcnn bench profile --only %s`: %.3f s per step unprofiled (mean of %d
                steps after %d warm-up steps); ND4J's op profiler over %d more steps, time per op summed
                over all calls (the profiler itself adds a little per call):

                ```
                %s
                ```
                """, model.name(), model.batch(), threads, model.name(), plainSeconds, steps, warmup, steps,
                perOp.strip());
        try {
            outDir.mkdirs();
            Files.writeString(new File(outDir, "profile-" + model.name() + ".md").toPath(), md);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.print(md);
        return md;
    }
}
