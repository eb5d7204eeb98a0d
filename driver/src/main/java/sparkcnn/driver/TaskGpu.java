package sparkcnn.driver;

import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.factory.Nd4j;
import sparkcnn.kernels.backend.BackendChoice;

/**
 * One worker per GPU: where Spark gave this task a GPU ({@code spark.task.resource.gpu.amount = 1}
 * with executors' {@code spark.executor.resource.gpu.amount} and a discovery script), the task's
 * thread computes on that device.
 */
public final class TaskGpu {
    private TaskGpu() {
    }

    /** Binds the calling task's thread to its GPU; a no-op on the CPU backend or without GPU resources. */
    public static void bind() {
        TaskContext task = TaskContext.get();
        if (task == null || !BackendChoice.onCuda()) {
            return;
        }
        ResourceInformation gpu = task.resourcesJMap().get("gpu");
        if (gpu != null && gpu.addresses().length > 0) {
            Nd4j.getAffinityManager().unsafeSetDevice(Integer.parseInt(gpu.addresses()[0]));
        }
    }
}
