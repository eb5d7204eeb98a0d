package sparkcnn.kernels.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Backend selection on a machine without a usable GPU (CI, and this build with or without -Pcuda):
 * auto falls back to the CPU, cuda fails saying why, cpu is what it says.
 */
class BackendChoiceTest {

    @Test
    void autoFallsBackToTheCpuWithoutAGpu() {
        String line = BackendChoice.AUTO.verify();
        assertTrue(line.startsWith("CPU (ND4J native, oneDNN: yes)"), line);
        assertTrue(line.contains("off-heap limit"), line);
        assertFalse(BackendChoice.onCuda());
    }

    @Test
    void cudaWithoutAUsableGpuIsAnErrorThatSaysWhy() {
        var e = assertThrows(BackendUnavailableException.class, BackendChoice.CUDA::verify);
        assertTrue(e.getMessage().startsWith("backend = cuda, but "), e.getMessage());
        boolean cudaInBuild = classPresent(BackendChoice.CUDA_BACKEND);
        String why = cudaInBuild
                ? "ND4J CUDA cannot load here (it needs an NVIDIA driver, the CUDA 11.6 runtime and cuDNN 8)"
                : "this build has no ND4J CUDA backend (build the GPU jar with mvn -Pcuda package)";
        assertTrue(e.getMessage().contains(why) || cudaInBuild && e.getMessage().contains("sees no usable GPU"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("backend = auto would train on the CPU instead"), e.getMessage());
    }

    @Test
    void cpuIsTheCpuAndAsksExecutorsToPreferIt() {
        assertTrue(BackendChoice.CPU.verify().startsWith("CPU"));
        assertEquals(Map.of("BACKEND_PRIORITY_CPU", "1000"), BackendChoice.CPU.environment());
        assertEquals(Map.of(), BackendChoice.AUTO.environment());
    }

    @Test
    void parsesTheConfigValue() {
        assertEquals(BackendChoice.CUDA, BackendChoice.parse(" CUDA "));
        var e = assertThrows(IllegalArgumentException.class, () -> BackendChoice.parse("gpu"));
        assertTrue(e.getMessage().contains("auto, cpu or cuda") && e.getMessage().contains("'gpu'"), e.getMessage());
    }

    private static boolean classPresent(String name) {
        try {
            Class.forName(name, false, BackendChoiceTest.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
