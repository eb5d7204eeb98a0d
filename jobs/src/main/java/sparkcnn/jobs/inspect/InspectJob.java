package sparkcnn.jobs.inspect;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.typesafe.config.Config;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import sparkcnn.driver.ExecutorSettings;
import sparkcnn.jobs.config.ModelConfig;
import sparkcnn.jobs.report.CostTable;
import sparkcnn.jobs.train.TrainSpec;
import sparkcnn.kernels.arch.Geometry;
import sparkcnn.kernels.arch.ModelSpec;
import sparkcnn.kernels.cost.CostReport;

/**
 * {@code inspect}: the architecture report of the configured model (every layer's output volume,
 * parameters, activations, FLOPs, memory), checked for geometry, and the optimizer a training run
 * of this configuration applies, with no Spark and no data.
 */
public final class InspectJob {
    private InspectJob() {
    }

    public static CostReport run(Config config, int batch, File json, PrintStream out) {
        ModelSpec model = ModelConfig.read(config);
        Geometry.shapes(model.architecture()); // names the first impossible layer
        CostReport report = CostReport.of(model.architecture());
        out.print(CostTable.text(report, batch));
        out.printf("executors: spark.executor.memoryOverhead >= %dm to train at batch %d (ND4J's arrays live there, "
                + "off the heap; YARN and Kubernetes kill an executor past memory + overhead)%n",
                ExecutorSettings.overheadMibFor(report.trainingBytes(batch)), batch);
        out.println("optimizer: " + TrainSpec.optimizer(config).describe());
        if (json != null) {
            try {
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json, CostTable.json(report, batch));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + json + ": " + e.getMessage(), e);
            }
            out.println("report written to " + json);
        }
        return report;
    }
}
